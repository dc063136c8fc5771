import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { postgresBinDir } from './binaries';
import { tempDir } from './files';
import { freePort } from './ports';
import { startProcess, type RunningProcess } from './process';

export interface PostgresOptions {
  /** The superuser's name; default postgres. */
  user?: string;
  /**
   * Password authentication: logins over TCP need this password (scram-sha-256), the unix socket trusts.
   * Without it, every login on loopback is trusted.
   */
  password?: string;
  /**
   * fsync, synchronous commit and full-page writes on, as in production (for a benchmark). Off by default:
   * a test never survives a power cut.
   */
  durable?: boolean;
  /** Default 200. */
  maxConnections?: number;
  /** Serve TLS (ssl=on) with this certificate and key, PEM files. */
  tls?: { certFile: string; keyFile: string };
  /** Further server settings (`-c key=value`), e.g. shared_preload_libraries for pg_stat_statements. */
  settings?: Record<string, string>;
}

export interface Postgres extends RunningProcess {
  host: string;
  port: number;
  /** The directory of its unix socket, which a client may give as its host. */
  socketDir: string;
  user: string;
  password: string | undefined;
  database: string;
  /** The superuser's URL of `database`: postgres://user[:password]@host:port/postgres */
  url: string;
  /** The superuser's URL of another database of this server. */
  urlFor(database: string): string;
  /** Creates an empty database; resolves with its URL. */
  createDatabase(name: string): Promise<string>;
}

/**
 * PostgreSQL refuses to run as root: as root, it runs as Debian's `postgres` user (its files owned by
 * it); as anyone else, as that user.
 */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * A throwaway PostgreSQL server: a fresh cluster in a temporary directory, listening on a free loopback
 * port and on a unix socket in that directory. stop() shuts it down (fast shutdown: sessions are ended,
 * not waited for) and removes every file.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<Postgres> {
  const bin = postgresBinDir();
  const user = options.user ?? 'postgres';
  const { password } = options;
  const { dir, cleanup } = tempDir('vigil-pg-');
  const data = join(dir, 'data');
  const onOff = options.durable ? 'on' : 'off';
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    fsync: onOff,
    synchronous_commit: onOff,
    full_page_writes: onOff,
    max_connections: String(options.maxConnections ?? 200),
    ...options.settings,
  };
  let auth = ['-A', 'trust'];
  if (password !== undefined) {
    writeFileSync(join(dir, 'pwfile'), password);
    auth = [`--pwfile=${join(dir, 'pwfile')}`, '--auth-host=scram-sha-256', '--auth-local=trust'];
  }
  if (options.tls) {
    copyFileSync(options.tls.certFile, join(dir, 'server.crt'));
    copyFileSync(options.tls.keyFile, join(dir, 'server.key'));
    chmodSync(join(dir, 'server.key'), 0o600); // the server refuses a key that others can read
    Object.assign(settings, {
      ssl: 'on',
      ssl_cert_file: join(dir, 'server.crt'),
      ssl_key_file: join(dir, 'server.key'),
    });
  }
  const runAs = serverUser();
  let server: RunningProcess;
  let port: number;
  try {
    if (runAs) execFileSync('chown', ['-R', `${runAs.uid}:${runAs.gid}`, dir]);
    try {
      execFileSync(
        join(bin, 'initdb'),
        ['-D', data, '-U', user, ...auth, '--no-sync', '-E', 'UTF8', '--locale=C'],
        { ...runAs, stdio: 'pipe' },
      );
    } catch (err) {
      const stderr = String((err as { stderr?: Buffer }).stderr ?? '');
      throw new Error(`initdb failed: ${stderr || (err as Error).message}`);
    }
    port = await freePort();
    const args = ['-D', data, '-p', String(port), '-k', dir];
    for (const [key, value] of Object.entries(settings)) args.push('-c', `${key}=${value}`);
    server = await startProcess(join(bin, 'postgres'), args, {
      name: 'postgres',
      ...runAs,
      stopSignal: 'SIGINT', // PostgreSQL's fast shutdown
      cleanup,
      ready: /database system is ready to accept connections/,
    });
  } catch (err) {
    cleanup();
    throw err;
  }
  const host = '127.0.0.1';
  const login = password === undefined ? user : `${user}:${encodeURIComponent(password)}`;
  const urlFor = (database: string) => `postgres://${login}@${host}:${port}/${database}`;
  const url = urlFor('postgres');
  return Object.assign(server, {
    host,
    port,
    socketDir: dir,
    user,
    password,
    database: 'postgres',
    url,
    urlFor,
    async createDatabase(name: string) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
  });
}
