import {
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  type DatabaseConnection,
  type Driver,
  type TransactionSettings,
} from 'kysely';
import { checkServerIdentity } from 'node:tls';
import type { Socket } from 'node:net';
import { Pool, types, type PoolClient, type PoolConfig } from 'pg';
import { z } from 'zod';
import {
  ConfigError,
  portSchema,
  resolveSecret,
  resolveTlsConfig,
  secretRef,
  DAY_MS,
  duration,
  timerDuration,
  tlsConfigSchema,
} from '@vigil/service-kit';
import type { DatabaseSchema } from './schema';

/** `storage.postgres`: a connection URL, or its parts; the password (or a URL carrying one) from env or file. */
export const postgresSchema = z
  .strictObject({
    url: secretRef.optional(),
    host: z.string().min(1).optional(),
    port: portSchema(1).optional(),
    database: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    password: secretRef.optional(),
    // Present (even as `{}`): connect over TLS, the server's certificate verified (libpq's verify-full).
    tls_config: tlsConfigSchema.optional(),
    pool_size: z.number().int().min(1).max(100).default(10),
    // Batches merged into incidents at once, each holding one of the pool's connections (see inbox/merge-lanes.ts).
    merge_lanes: z.number().int().min(1).max(32).default(2),
    // Threads the lanes are shared among, each delivery on its group's (see inbox/merge-thread.ts).
    merge_threads: z.number().int().min(1).max(8).default(2),
    connect_timeout: timerDuration.default(5000),
    // Like SQLite's busy_timeout: a statement waiting longer for a lock fails, and the sender gets a 503.
    // Not 0s, which PostgreSQL takes for "wait forever".
    lock_timeout: timerDuration.default(2000),
    // PostgreSQL cancels a statement running longer; one with no answer even STATEMENT_GRACE_MS after
    // that is on a connection whose server is gone without a reset, and is abandoned (see abandonWhenSilent).
    statement_timeout: duration
      .refine((ms) => ms === 0 || (ms >= 1000 && ms <= DAY_MS), 'must be 0s (no limit) or from 1s to 24h')
      .default(60_000),
    // How long a leader may go without renewing before another replica takes over (see leader/lease.ts).
    leader_lease: timerDuration.refine((ms) => ms >= 1000, 'must be at least 1s').default(10_000),
  })
  .refine(
    (p) =>
      p.url === undefined || [p.host, p.port, p.database, p.user, p.password].every((x) => x === undefined),
    'set either url or host/port/database/user/password, not both',
  );

export type PostgresSettings = Omit<z.output<typeof postgresSchema>, 'url' | 'password'> & {
  url?: string;
  password?: string;
};

export function resolvePostgres(
  raw: z.output<typeof postgresSchema>,
  env: NodeJS.ProcessEnv,
): PostgresSettings {
  const url = raw.url && resolveSecret(raw.url, 'storage.postgres.url', env);
  const where = ['storage', 'postgres'];
  // The URL's own TLS parameters would override tls_config inside pg, silently.
  if (raw.tls_config && url && /[?&]ssl[a-z]*=/i.test(url))
    throw new ConfigError([
      {
        path: [...where, 'tls_config'],
        message: 'the url sets TLS too (ssl, sslmode, sslrootcert…): give it in one place, not both',
      },
    ]);
  // Read now for its problems; each pool reads the files again (a thread cannot be handed functions).
  if (raw.tls_config) resolveTlsConfig(raw.tls_config, [...where, 'tls_config']);
  return {
    ...raw,
    url,
    password: raw.password && resolveSecret(raw.password, 'storage.postgres.password', env),
  };
}

/**
 * pg's TLS options for a `tls_config`. pg sends its host as the server name, whatever `servername` says
 * (brianc/node-postgres#2803), so a `server_name` is checked by checkServerIdentity instead.
 */
function sslOptions(s: PostgresSettings): PoolConfig['ssl'] {
  if (!s.tls_config) return undefined;
  const { server_name: name } = s.tls_config;
  const tls = resolveTlsConfig(s.tls_config, ['storage', 'postgres', 'tls_config']);
  return {
    ...tls,
    ...(name !== undefined && { checkServerIdentity: (_host, cert) => checkServerIdentity(name, cert) }),
  };
}

/** COUNT(*) and other int8 results as JavaScript numbers, as SQLite gives them (our counts stay far below 2^53). */
const parsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === types.builtins.INT8 ? Number : types.getTypeParser(oid, format)) as typeof types.getTypeParser,
};

export function createPostgresPool(s: PostgresSettings, max = s.pool_size): Pool {
  return new Pool({
    ...(s.url !== undefined
      ? { connectionString: s.url }
      : { host: s.host, port: s.port, database: s.database, user: s.user, password: s.password }),
    ssl: sslOptions(s),
    max,
    types: parsers,
    // A connection whose server vanished without a reset (a failover, a network cut) errors out, and is
    // replaced, once keepalive probes go unanswered, instead of waiting for an answer for good.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    connectionTimeoutMillis: s.connect_timeout,
    options: `-c lock_timeout=${s.lock_timeout} -c statement_timeout=${s.statement_timeout}`,
  });
}

/**
 * Transactions are SERIALIZABLE, as SQLite's are: code written against SQLite's one writer at a time stays
 * correct with several replicas, and a conflict aborts one side (40001), which retries. A statement on its
 * own (no transaction) stays READ COMMITTED: it is atomic anyway, and so never fails for a conflict.
 */
class SerializableTransactions implements Driver {
  constructor(private readonly driver: Driver) {}
  init = () => this.driver.init();
  acquireConnection = () => this.driver.acquireConnection();
  beginTransaction = (connection: DatabaseConnection, settings: TransactionSettings) =>
    this.driver.beginTransaction(connection, {
      ...settings,
      isolationLevel: settings.isolationLevel ?? 'serializable',
    });
  commitTransaction = (connection: DatabaseConnection) => this.driver.commitTransaction(connection);
  rollbackTransaction = (connection: DatabaseConnection) => this.driver.rollbackTransaction(connection);
  releaseConnection = (connection: DatabaseConnection) => this.driver.releaseConnection(connection);
  destroy = () => this.driver.destroy();
}

class VigilPostgresDialect extends PostgresDialect {
  override createDriver(): Driver {
    return new SerializableTransactions(super.createDriver());
  }
}

/** How long after statement_timeout PostgreSQL's cancel may take to come back before the server is taken for gone. */
export const STATEMENT_GRACE_MS = 5000;

/**
 * A statement with no answer for `ms` (PostgreSQL's statement_timeout passed, and its cancel did not
 * come) is on a connection whose server went without a reset, a failover or a network cut: TCP would
 * retransmit for about 15 minutes before giving up, keepalives not being sent while a request is
 * unanswered. Its socket is destroyed instead: the statement fails as a lost connection (retried, or
 * answered 503) and the pool replaces the connection. Silence with no statement in flight is an idle
 * connection, left alone.
 */
function abandonWhenSilent(client: PoolClient, ms: number): void {
  const internals = client as unknown as { connection: { stream: Socket }; _getActiveQuery(): unknown };
  const socket = internals.connection.stream;
  socket.setTimeout(ms);
  socket.on('timeout', () => {
    if (!internals._getActiveQuery()) return;
    // ETIMEDOUT, as TCP itself would say in the end: a connection failure, which callers retry.
    const err = Object.assign(new Error(`PostgreSQL gave no answer to a statement within ${ms} ms`), {
      code: 'ETIMEDOUT',
    });
    socket.destroy(err);
  });
}

export function openPostgres(s: PostgresSettings, poolSize = s.pool_size): Kysely<DatabaseSchema> {
  const pool = createPostgresPool(s, poolSize);
  // An idle client losing its server (restart, failover) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    // Nor one losing it while checked out: the statement in flight fails with the error (and is retried or
    // answered 503), and the pool drops the client at its release; unheard, the client's 'error' would end us.
    client.on('error', () => undefined);
    if (s.statement_timeout > 0) abandonWhenSilent(client, s.statement_timeout + STATEMENT_GRACE_MS);
  });
  return new Kysely<DatabaseSchema>({ dialect: new VigilPostgresDialect({ pool }) });
}

export function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * SQLSTATEs worth a retry: serialization failure and deadlock (another replica won), lock timeout, too
 * many connections, the server shutting down or starting up, and connection failures (class 08).
 */
const TRANSIENT_SQLSTATES = /^(40001|40P01|55P03|53300|57P01|57P02|57P03|08\d\d\d)$/;

export function isTransientPostgresError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code === 'string' && TRANSIENT_SQLSTATES.test(e.code)) return true;
  if (typeof e?.code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE)$/.test(e.code)) return true;
  // pg-pool's own errors carry no code: all connections busy past the timeout, or the server went away.
  return (
    typeof e?.message === 'string' &&
    /^(timeout exceeded when trying to connect|Connection terminated)/.test(e.message)
  );
}
