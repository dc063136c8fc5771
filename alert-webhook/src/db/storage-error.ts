import { StartupError } from '@vigil/service-kit';
import type { PostgresSettings } from './postgres';

/**
 * The configured storage cannot be opened (PostgreSQL unreachable or refusing us, a SQLite file that cannot
 * be created): an operator's problem, told in one line naming the config key, not a bug with a stack trace.
 * As a StartupError, the service kit prints it as `alert-webhook: <message>` on stderr and exits with 1.
 */
export class StorageError extends StartupError {
  override name = 'StorageError';
}

/** Where the PostgreSQL settings point, without the password, and which keys say so. */
export function describePostgres(s: PostgresSettings, env: NodeJS.ProcessEnv = process.env): string {
  let host = s.host ?? env.PGHOST ?? 'localhost';
  let port = String(s.port ?? env.PGPORT ?? 5432);
  let database = s.database ?? env.PGDATABASE;
  let user = s.user ?? env.PGUSER;
  let key = 'storage.postgres';
  if (s.url !== undefined) {
    key = 'storage.postgres.url';
    try {
      const url = new URL(s.url);
      // A Unix socket directory may come as ?host=/run/postgresql instead of in the authority.
      host = url.searchParams.get('host') ?? (url.hostname.replace(/^\[(.*)\]$/, '$1') || host);
      port = url.searchParams.get('port') ?? (url.port || '5432');
      database = decodeURIComponent(url.pathname.slice(1)) || database;
      user = decodeURIComponent(url.username) || user;
    } catch {
      return `the PostgreSQL server of ${key} (not a postgres:// URL)`;
    }
  }
  const at = host.startsWith('/') ? `${host} (Unix socket), port ${port}` : `${host}:${port}`;
  const who = [database && `database "${database}"`, user && `user "${user}"`].filter(Boolean).join(', ');
  return `PostgreSQL at ${at}${who ? `, ${who}` : ''} (${key})`;
}

/** The error's own words: Node's connection errors may come as an AggregateError without a message. */
export function reasonOf(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown; errors?: unknown };
  if (typeof e?.message === 'string' && e.message !== '') return e.message;
  if (Array.isArray(e?.errors) && e.errors.length > 0) return e.errors.map(reasonOf).join('; ');
  if (typeof e?.code === 'string') return e.code;
  return String(err);
}

/** Removes each secret from text (drivers rarely echo a password, but a connection string might be). */
export function withoutSecrets(text: string, secrets: (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('***');
  return out;
}

function passwordIn(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/** The one line start-up prints when PostgreSQL cannot be reached or refuses the connection. */
export function postgresUnreachable(s: PostgresSettings, err: unknown): StorageError {
  const reason = withoutSecrets(reasonOf(err), [s.url, s.password, passwordIn(s.url)]);
  return new StorageError(`cannot connect to ${describePostgres(s)}: ${reason}`);
}
