import {
  SqliteDialect,
  SqliteDriver,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type SqliteDialectConfig,
} from 'kysely';

const MAX_PAUSE_MS = 10;

const isBusy = (err: unknown) => /^SQLITE_BUSY/.test(String((err as { code?: unknown })?.code));

/**
 * SQLite whose waits for the write lock never put the event loop to sleep. better-sqlite3 is synchronous:
 * its busy handler (busy_timeout) would sleep the whole thread, so while another process or the merge
 * thread held the lock, a timer's write (escalation, dispatch) stalled every webhook, each for up to
 * busy_timeout. Here the connection's own busy timeout is 0, and a statement refused the lock tries again
 * on a timer until `busyTimeoutMs` has passed, then fails with SQLITE_BUSY as before.
 */
export class NonBlockingSqliteDialect extends SqliteDialect {
  constructor(
    private readonly config: SqliteDialectConfig,
    private readonly busyTimeoutMs: number,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new RetryingDriver(this.config, this.busyTimeoutMs);
  }
}

/** Kysely's SQLite driver, its single connection handed out (under the driver's mutex) wrapped. */
class RetryingDriver extends SqliteDriver {
  private connection: RetryingConnection | undefined;

  constructor(
    config: SqliteDialectConfig,
    private readonly busyTimeoutMs: number,
  ) {
    super(config);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    this.connection ??= new RetryingConnection(inner, this.busyTimeoutMs);
    return this.connection;
  }
}

class RetryingConnection implements DatabaseConnection {
  private inTransaction = false;

  constructor(
    private readonly inner: DatabaseConnection,
    private readonly busyTimeoutMs: number,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const giveUpAt = Date.now() + this.busyTimeoutMs;
    for (let pause = 1; ; pause = Math.min(2 * pause, MAX_PAUSE_MS)) {
      try {
        const result = await this.inner.executeQuery<R>(query);
        if (query.sql === 'begin') this.inTransaction = true;
        else if (query.sql === 'commit' || query.sql === 'rollback') this.inTransaction = false;
        return result;
      } catch (err) {
        if (query.sql === 'rollback') this.inTransaction = false;
        // Refused the lock, a statement on its own or a transaction's begin (immediate) did nothing: it
        // can run again. Inside a transaction, which holds the lock from its begin, it is not retried.
        if (this.inTransaction || !isBusy(err) || Date.now() >= giveUpAt) throw err;
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}
