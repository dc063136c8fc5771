import { Socket } from 'node:net';
import { z } from 'zod';
import { defineKind } from './kind';
import { splitHostPort } from './target';

const target = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
});

/** Succeeds when a TCP connection is established; closes it at once. */
export const tcpCheck = defineKind({
  kind: 'tcp',
  settings: z.strictObject({}),
  target,
  parseTarget(text) {
    const { host, port } = splitHostPort(text);
    // Normalized hostnames keep IPv6 brackets; sockets want the bare address.
    return { fields: { host: host.replace(/^\[(.*)\]$/, '$1'), port }, host, port };
  },
  async run(spec, { signal }) {
    const socket = new Socket({ signal });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
        socket.connect(spec.port, spec.host);
      });
      return { success: true };
    } finally {
      socket.destroy();
    }
  },
});
