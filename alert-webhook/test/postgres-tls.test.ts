import { join } from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { Client } from 'pg';
import request from 'supertest';
import {
  configRefusal,
  makeCertificates,
  startPostgres,
  type Certificates,
  type Postgres,
} from '@vigil/testkit';
import { createApp } from '../src/app';
import { parseConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { notification, tempDir } from './helpers';

const log = pino({ level: 'silent' });
let certs: Certificates;
let pg: Postgres;
let cleanup: () => void;
let databases = 0;

beforeAll(async () => {
  const dir = tempDir();
  cleanup = dir.cleanup;
  certs = makeCertificates(dir.dir);
  pg = await startPostgres({ tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile } });
});
afterAll(async () => {
  await pg.stop();
  cleanup();
});

/** `storage.postgres` for a new database on the TLS server, over TCP to 127.0.0.1. */
async function storage(tls: Record<string, unknown> | undefined) {
  const database = `vigil_tls_${++databases}`;
  await pg.createDatabase(database);
  return { host: '127.0.0.1', port: pg.port, database, user: pg.user, pool_size: 2, tls_config: tls };
}

/** How many of the database's connections use TLS, and how many do not. */
async function connections(database: string) {
  const admin = new Client({ host: '127.0.0.1', port: pg.port, user: pg.user, database: 'postgres' });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ ssl: boolean; n: number }>(
      `select s.ssl, count(*)::int as n from pg_stat_ssl s join pg_stat_activity a using (pid)
       where a.datname = $1 group by s.ssl`,
      [database],
    );
    return Object.fromEntries(rows.map((r) => [r.ssl ? 'tls' : 'plain', r.n]));
  } finally {
    await admin.end();
  }
}

describe('storage.postgres.tls_config', () => {
  it('stores and merges over TLS, on every connection of every thread, the certificate checked against the CA', async () => {
    const postgres = await storage({ ca_file: certs.caFile });
    const config = parseConfig({ storage: { postgres } });
    const db = await openDatabase(config.storage);
    const app = createApp(config, db, log, {});
    try {
      await request(app.app)
        .post('/api/v1/alertmanager')
        .send(notification([{ fingerprint: 'over-tls' }]))
        .expect(200);
      await app.inbox.drained();
      const merged = await db.selectFrom('alerts').select('fingerprint').execute();
      expect(merged).toEqual([{ fingerprint: 'over-tls' }]);
      // The main thread's pool and the merge threads' lanes alike.
      const seen = await connections(postgres.database);
      expect(seen.plain).toBeUndefined();
      expect(seen.tls).toBeGreaterThanOrEqual(2);
    } finally {
      await app.inbox.stop();
      app.dispatcher.stop();
      await db.destroy();
    }
  });

  it("refuses a server whose certificate the system's CAs do not vouch for, or that is for another name", async () => {
    // Opening the database connects, and says why it could not.
    const attempt = async (tls: Record<string, unknown>) => {
      const settings = parseConfig({ storage: { postgres: await storage(tls) } }).storage;
      const db = await openDatabase(settings).catch((err: Error) => err.message);
      if (typeof db === 'string') return db;
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
      await db.destroy();
      return rows[0]?.one === 1 ? 'connected' : 'no answer';
    };
    expect(await attempt({})).toMatch(
      /^cannot connect to PostgreSQL at 127\.0\.0\.1:\d+, .*: unable to verify the first certificate$/,
    );
    expect(await attempt({ ca_file: certs.caFile, server_name: 'db.example.com' })).toMatch(
      /Host: db\.example\.com\. is not in the cert's altnames/,
    );
    // The name the certificate is for, while connecting to its address; or verification turned off.
    expect(await attempt({ ca_file: certs.caFile, server_name: 'localhost' })).toBe('connected');
    expect(await attempt({ insecure_skip_verify: true })).toBe('connected');
  });

  it('is not needed when the url says sslmode=verify-full with its sslrootcert', async () => {
    const { database } = await storage(undefined);
    const url = `postgres://${pg.user}@localhost:${pg.port}/${database}?sslmode=verify-full&sslrootcert=${certs.caFile}`;
    const config = parseConfig({ storage: { postgres: { url: { env: 'PG_URL' } } } }, { PG_URL: url });
    const db = await openDatabase(config.storage);
    try {
      const { rows } = await sql<{
        ssl: boolean;
      }>`select ssl from pg_stat_ssl where pid = pg_backend_pid()`.execute(db);
      expect(rows).toEqual([{ ssl: true }]);
    } finally {
      await db.destroy();
    }
  });

  it('refuses an unreadable file, a key without its certificate, and TLS set in the url as well, by key', () => {
    const refused = (postgres: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) =>
      configRefusal(() => parseConfig({ storage: { postgres } }, env));
    const missing = join(certs.dir, 'missing.pem');
    expect(refused({ host: 'db', tls_config: { ca_file: missing } })).toContain(
      `storage.postgres.tls_config.ca_file: cannot read ${missing}`,
    );
    expect(refused({ host: 'db', tls_config: { key_file: certs.clientKeyFile } })).toContain(
      'storage.postgres.tls_config: cert_file and key_file go together',
    );
    expect(
      refused(
        { url: { env: 'PG_URL' }, tls_config: { ca_file: certs.caFile } },
        { PG_URL: 'postgres://db/vigil?sslmode=verify-full' },
      ),
    ).toContain('storage.postgres.tls_config: the url sets TLS too');
  });
});
