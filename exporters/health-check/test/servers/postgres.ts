import { execFileSync, spawn, type SpawnOptions } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopChild, waitForOutput } from './process';

/** $PG_BIN, else the newest of Debian's /usr/lib/postgresql/<version>/bin (CI installs 15). */
function pgBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0] ?? '15';
  return join(root, newest, 'bin');
}

export interface PostgresServer {
  host: string;
  port: number;
  /** The superuser, who logs in over TCP with `password` (scram-sha-256). */
  user: string;
  password: string;
  database: string;
  /** postgres://user:password@host:port/database */
  url: string;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  password?: string;
  /** Serve TLS (ssl=on) with this certificate and key, PEM files. */
  tls?: { certFile: string; keyFile: string };
}

/**
 * PostgreSQL refuses to run as root: as root, the server runs as Debian's `postgres` user (its files
 * owned by it); as anyone else, as that user.
 */
function runAs(dir: string): SpawnOptions {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  const uid = id('-u');
  const gid = id('-g');
  execFileSync('chown', ['-R', `${uid}:${gid}`, dir]);
  return { uid, gid };
}

/**
 * A throwaway PostgreSQL server for tests: a fresh cluster in a temporary directory, listening on a free
 * loopback port, with durability off for speed. stop() shuts it down and removes every file.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const bin = pgBin();
  if (!existsSync(join(bin, 'postgres'))) {
    throw new Error(`no PostgreSQL in ${bin}: run scripts/install-test-services.sh or set PG_BIN`);
  }
  const user = 'vigil';
  const password = options.password ?? 'vigil-test-password';
  const dir = mkdtempSync(join(tmpdir(), 'vigil-pg-'));
  const data = join(dir, 'data');
  writeFileSync(join(dir, 'pwfile'), password);
  const tlsArgs: string[] = [];
  if (options.tls) {
    copyFileSync(options.tls.certFile, join(dir, 'server.crt'));
    copyFileSync(options.tls.keyFile, join(dir, 'server.key'));
    // The server refuses a key that others can read.
    chmodSync(join(dir, 'server.key'), 0o600);
    tlsArgs.push(
      '-c',
      'ssl=on',
      '-c',
      `ssl_cert_file=${dir}/server.crt`,
      '-c',
      `ssl_key_file=${dir}/server.key`,
    );
  }
  const spawnOptions = runAs(dir);
  try {
    execFileSync(
      join(bin, 'initdb'),
      [
        '-D',
        data,
        '-U',
        user,
        `--pwfile=${join(dir, 'pwfile')}`,
        '--auth-host=scram-sha-256',
        '--auth-local=trust',
        '--no-sync',
        '-E',
        'UTF8',
        '--locale=C',
      ],
      { ...spawnOptions, stdio: 'pipe' },
    );
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = String((err as { stderr?: Buffer }).stderr ?? '');
    throw new Error(`initdb failed: ${stderr || (err as Error).message}`);
  }
  const port = await freePort();
  const child = spawn(
    join(bin, 'postgres'),
    [
      ...['-D', data, '-p', String(port), '-k', dir],
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off'],
      ...['-c', 'full_page_writes=off', '-c', 'max_connections=50'],
      ...tlsArgs,
    ],
    { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = async () => {
    // SIGINT is PostgreSQL's fast shutdown: sessions are ended rather than waited for.
    await stopChild(child, 'SIGINT');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForOutput(child, /database system is ready to accept connections/, 'postgres');
  } catch (err) {
    await stop();
    throw err;
  }
  const host = '127.0.0.1';
  const database = 'postgres';
  const url = `postgres://${user}:${encodeURIComponent(password)}@${host}:${port}/${database}`;
  return { host, port, user, password, database, url, stop };
}
