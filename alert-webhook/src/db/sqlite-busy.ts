import {
  SqliteDialect,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type SqliteDialectConfig,
  type TransactionSettings,
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
    config: SqliteDialectConfig,
    private readonly busyTimeoutMs: number,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new RetryingDriver(super.createDriver(), this.busyTimeoutMs);
  }
}

class RetryingDriver implements Driver {
  private connection: RetryingConnection | undefined;

  constructor(
    private readonly inner: Driver,
    private readonly busyTimeoutMs: number,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    // Kysely's SQLite driver has a single connection, handed out under its mutex.
    const inner = await this.inner.acquireConnection();
    this.connection ??= new RetryingConnection(inner, this.busyTimeoutMs);
    return this.connection;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
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
