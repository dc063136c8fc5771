import { Socket } from 'node:net';
import { Client } from 'pg';
import { secret } from '@vigil/service-kit';
import { z } from 'zod';
import { defineKind } from './kind';
import { hostPortTarget } from './target';
import { tlsOptions, tlsSettings } from './tls';

const settings = z.strictObject({
  user: z.string().min(1).default('postgres'),
  password: secret.optional(),
  /** `postgres` exists in every cluster; libpq's default (the user's name) often does not. */
  database: z.string().min(1).default('postgres'),
  /** Connect over TLS (PostgreSQL's sslmode=verify-full, or =require with insecure_skip_verify). */
  tls: tlsSettings.optional(),
});

/**
 * A socket that connects to host:port whatever pg asks connect() for (pg's host may be the TLS server name),
 * and that the timeout's signal destroys whatever state the client is in.
 */
function socketTo(host: string, port: number, signal: AbortSignal): Socket {
  const socket = new Socket({ signal });
  const connect = socket.connect.bind(socket);
  socket.connect = (() => connect(port, host)) as Socket['connect'];
  return socket;
}

/** Connects (authenticating as `user`) and runs `SELECT 1`. */
export const postgresCheck = defineKind({
  kind: 'postgres',
  settings,
  ...hostPortTarget(5432),
  async run(spec, { signal }) {
    const client = new Client({
      stream: () => socketTo(spec.host, spec.port, signal),
      // pg sends its host as SNI and verifies the certificate against it, overriding ssl.servername
      // (brianc/node-postgres#2803): so pg's host is the server name, and our socket goes to the real one.
      host: spec.tls?.server_name ?? spec.host,
      port: spec.port,
      user: spec.user,
      password: spec.password,
      database: spec.database,
      ssl: spec.tls ? tlsOptions(spec.tls) : false,
      application_name: 'vigil-health-check',
    });
    // pg reports a dropped connection as an 'error' event too; the awaited calls below already reject.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return { success: true };
    } finally {
      if (!signal.aborted) await client.end().catch(() => undefined);
    }
  },
});
