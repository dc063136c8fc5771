import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, waitFor } from '../processes';

const BIN = process.env.VIGIL_PG_BIN ?? '/usr/lib/postgresql/15/bin';
/** PostgreSQL refuses to run as root; Debian's package creates this user. */
const OS_USER = 'postgres';

export interface TestPostgres {
  host: string;
  port: number;
  /** Superuser connection URL to the `postgres` database. */
  url: string;
  /** A fresh, empty database; resolves with its connection URL. */
  createDatabase: (name: string) => Promise<string>;
  stop: () => Promise<void>;
}

/**
 * A real PostgreSQL (Debian's postgresql-15) in a temporary directory on a free loopback port, run as the
 * `postgres` system user when we are root. Trust authentication on loopback only; fsync off unless asked,
 * since a test never survives a power cut. Stop it with stop().
 */
export async function startPostgres(options: { fsync?: boolean } = {}): Promise<TestPostgres> {
  if (!existsSync(join(BIN, 'initdb'))) {
    throw new Error(`PostgreSQL not found in ${BIN}: install Debian's postgresql-15 (or set VIGIL_PG_BIN)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'vigil-pg-'));
  const asRoot = userInfo().uid === 0;
  const run = (cmd: string, args: string[]) =>
    execFileSync(
      asRoot ? 'runuser' : join(BIN, cmd),
      asRoot ? ['-u', OS_USER, '--', join(BIN, cmd), ...args] : args,
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', OS_USER]).toString());
    const gid = Number(execFileSync('id', ['-g', OS_USER]).toString());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  try {
    run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const serverOptions = [
      `-p ${port}`,
      '-h 127.0.0.1',
      `-k ${dir}`,
      `-c fsync=${options.fsync ? 'on' : 'off'}`,
      '-c max_connections=200',
    ].join(' ');
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-o',
      serverOptions,
      '-w',
      '-t',
      '30',
      'start',
    ]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`could not start PostgreSQL: ${e.stderr?.toString() || e.message}`);
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const admin = async <T>(fn: (client: Client) => Promise<T>) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  await waitFor('PostgreSQL to accept connections', () => admin(async () => true));
  return {
    host: '127.0.0.1',
    port,
    url,
    createDatabase: async (name) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop: async () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
