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

/** Connects (authenticating as `user`) and runs `SELECT 1`. */
export const postgresCheck = defineKind({
  kind: 'postgres',
  settings,
  ...hostPortTarget(5432),
  async run(spec, { signal }) {
    const client = new Client({
      // Our own socket, so that the timeout's signal destroys it whatever state the client is in.
      stream: () => new Socket({ signal }),
      host: spec.host,
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
