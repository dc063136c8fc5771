import { createClient } from 'redis';
import { secret } from '@vigil/service-kit';
import { z } from 'zod';
import { defineKind } from './kind';
import { hostPortTarget } from './target';
import { tlsOptions, tlsSettings } from './tls';

const settings = z.strictObject({
  /** With a password and no username, AUTH uses the password alone (Redis before ACLs, or "default"). */
  username: z.string().min(1).optional(),
  password: secret.optional(),
  /** Connect over TLS. */
  tls: tlsSettings.optional(),
});

/** Connects (with AUTH when a password is set) and sends PING, expecting PONG. */
export const redisCheck = defineKind({
  kind: 'redis',
  settings,
  ...hostPortTarget(6379),
  async run(spec, { signal }) {
    // No reconnecting: one attempt per run, the next run is the retry.
    const socket = { host: spec.host, port: spec.port, reconnectStrategy: false as const };
    const client = createClient({
      socket: spec.tls ? { ...socket, tls: true, ...tlsOptions(spec.tls) } : socket,
      username: spec.username,
      password: spec.password,
    });
    // Errors also come as events; without a listener they would crash the process. The awaited calls
    // below reject with them.
    client.on('error', () => undefined);
    const abort = () => client.destroy();
    signal.addEventListener('abort', abort);
    try {
      await client.connect();
      const reply = await client.ping();
      return reply === 'PONG' ? { success: true } : { success: false, message: `PING answered ${reply}` };
    } finally {
      signal.removeEventListener('abort', abort);
      if (client.isOpen) client.destroy();
    }
  },
});
