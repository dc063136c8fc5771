import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { Kysely } from 'kysely';
import { freePort, spawnProcess, tempDir, type TempDir } from '@vigil/testkit';
import { openPostgres } from '../src/db/postgres';
import { migrateToLatest } from '../src/db/migrations';
import { describePostgres } from '../src/db/storage-error';
import { buildReceiver } from './processes';

const MAIN = join(__dirname, '..', 'dist', 'src', 'main.js');
const PASSWORD = 'hunter2-do-not-print';

let tmp: TempDir;
beforeAll(() => {
  tmp = tempDir();
  buildReceiver();
});
afterAll(() => tmp.cleanup());

/** Starts the compiled receiver with this config; resolves with its exit status and everything it printed. */
async function start(name: string, doc: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  const config = join(tmp.dir, `${name}.yml`);
  writeFileSync(
    config,
    yaml.dump({ server: { listen_address: '127.0.0.1', port: await freePort() }, ...doc }),
  );
  const proc = spawnProcess(process.execPath, [MAIN, '--config', config], { name, env });
  const status = await proc.exited;
  return { status, output: proc.output() };
}

describe('start-up with a database it cannot open', () => {
  it('names PostgreSQL host, port and storage.postgres in one line, exits 1, never prints the password', async () => {
    const port = await freePort(); // nothing listens there
    const { status, output } = await start(
      'pg-parts',
      {
        storage: {
          postgres: { host: '127.0.0.1', port, database: 'vigil', user: 'vigil', password: { env: 'PGPW' } },
        },
      },
      { PGPW: PASSWORD },
    );
    expect(status).toBe(1);
    expect(output.trimEnd().split('\n')).toEqual([
      `alert-webhook: cannot connect to PostgreSQL at 127.0.0.1:${port}, database "vigil", user "vigil" (storage.postgres): connect ECONNREFUSED 127.0.0.1:${port}`,
    ]);
    expect(output).not.toContain(PASSWORD);
  });

  it('names the server of storage.postgres.url without its password', async () => {
    const port = await freePort();
    const { status, output } = await start(
      'pg-url',
      { storage: { postgres: { url: { env: 'PGURL' }, connect_timeout: '2s' } } },
      { PGURL: `postgres://vigil:${PASSWORD}@127.0.0.1:${port}/incidents` },
    );
    expect(status).toBe(1);
    const lines = output.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^alert-webhook: cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${port}, database "incidents", user "vigil" \\(storage\\.postgres\\.url\\): `,
      ),
    );
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toMatch(/^\s+at /m);
  });

  it('names storage.sqlite.path when the SQLite file cannot be created', async () => {
    const blocker = join(tmp.dir, 'not-a-directory');
    writeFileSync(blocker, '');
    const path = join(blocker, 'vigil.db');
    const { status, output } = await start('sqlite', { storage: { sqlite: { path } } });
    expect(status).toBe(1);
    const lines = output.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^alert-webhook: cannot open the SQLite database ${path} \\(storage\\.sqlite\\.path\\): (ENOTDIR|EEXIST)`,
      ),
    );
  });

  // Node's recursive mkdir never returned there, and the receiver hung at start, deaf to SIGTERM.
  it('names storage.sqlite.path when its directory cannot be made under /proc, and exits', async () => {
    const path = '/proc/vigil-not-here/incidents/vigil.db';
    const { status, output } = await start('sqlite-proc', { storage: { sqlite: { path } } });
    expect(status).toBe(1);
    expect(output.trimEnd()).toBe(
      `alert-webhook: cannot open the SQLite database ${path} (storage.sqlite.path): ENOENT: no such file or directory, mkdir '/proc/vigil-not-here'`,
    );
  });
});

describe('PostgreSQL in messages', () => {
  it('is described by host, port, database and user, never the password', () => {
    const base = {
      pool_size: 1,
      merge_lanes: 1,
      merge_threads: 1,
      connect_timeout: 1000,
      lock_timeout: 1000,
      statement_timeout: 60_000,
      leader_lease: 10_000,
    };
    expect(
      describePostgres({ ...base, host: 'db', port: 5433, database: 'v', user: 'u', password: 'pw' }),
    ).toBe('PostgreSQL at db:5433, database "v", user "u" (storage.postgres)');
    expect(describePostgres({ ...base, url: 'postgres://u:pw@[::1]/v' })).toBe(
      'PostgreSQL at ::1:5432, database "v", user "u" (storage.postgres.url)',
    );
    expect(describePostgres({ ...base, url: 'postgres:///v?host=/run/postgresql' }, {})).toBe(
      'PostgreSQL at /run/postgresql (Unix socket), port 5432, database "v" (storage.postgres.url)',
    );
    expect(describePostgres({ ...base }, {})).toBe('PostgreSQL at localhost:5432 (storage.postgres)');
  });
});

describe('a migration that fails before any migration ran', () => {
  it('says so without an empty migration name', async () => {
    const port = await freePort();
    const db = openPostgres({
      host: '127.0.0.1',
      port,
      database: 'vigil',
      user: 'vigil',
      pool_size: 1,
      merge_lanes: 1,
      merge_threads: 1,
      connect_timeout: 1000,
      lock_timeout: 1000,
      statement_timeout: 60_000,
      leader_lease: 10_000,
    });
    try {
      await expect(migrateToLatest(db as Kysely<unknown>)).rejects.toThrow(
        /^database migration failed: connect ECONNREFUSED/,
      );
    } finally {
      await db.destroy();
    }
  });
});
