import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { makeDirectory } from '@vigil/service-kit';
import { Kysely, sql } from 'kysely';
import type { Config } from '../config';
import type { DatabaseSchema } from './schema';
import { checkpointInBackground, leaveCheckpointsToWorker } from './checkpointer';
import { NonBlockingSqliteDialect } from './sqlite-busy';
import { migrateToLatest } from './migrations';
import { isTransientPostgresError, openPostgres } from './postgres';
import { StorageError, postgresUnreachable } from './storage-error';

export type Db = Kysely<DatabaseSchema>;

/**
 * Opens the configured backend (SQLite unless `storage.postgres` is set) and brings its schema up to date.
 * `onBackgroundError` hears of SQLite's checkpoint worker failing (the database carries on without it).
 * A database that cannot be opened or reached rejects with a StorageError naming where and the config key.
 */
export async function openDatabase(
  storage: Config['storage'],
  onBackgroundError: (err: Error) => void = (err) =>
    process.emitWarning(`SQLite checkpoints: ${err.message}`),
): Promise<Db> {
  const db = storage.postgres
    ? openPostgres(storage.postgres)
    : openSqlite(storage.sqlite, onBackgroundError);
  try {
    if (storage.postgres) {
      // Connect once before migrating, so that an unreachable server is told as such, not as a failed migration.
      const settings = storage.postgres;
      await sql`select 1`.execute(db).catch((err: unknown) => {
        throw postgresUnreachable(settings, err);
      });
    }
    // On PostgreSQL the migrator holds an advisory lock: replicas starting together migrate once. It goes
    // without statement_timeout: a migration over a large table, or a replica waiting for that lock, may
    // take longer than any statement of the running service.
    const migrator = storage.postgres ? openPostgres({ ...storage.postgres, statement_timeout: 0 }, 1) : db;
    try {
      await migrateToLatest(migrator as Kysely<unknown>);
    } finally {
      if (migrator !== db) await migrator.destroy();
    }
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return db;
}

function openSqlite(
  settings: NonNullable<Config['storage']['sqlite']>,
  checkpointErrors: (err: Error) => void,
): Db {
  try {
    return connectSqlite(settings, checkpointErrors);
  } catch (err) {
    throw new StorageError(
      `cannot open the SQLite database ${settings.path} (storage.sqlite.path): ${(err as Error).message}`,
    );
  }
}

/**
 * A connection to the SQLite file, without migrating. Given `checkpointErrors`, the connection also
 * checkpoints the file from a worker thread (see checkpointer.ts), reporting its failure there; further
 * connections (the merge thread's, pruning's) leave that to the first.
 */
export function connectSqlite(
  { path, synchronous, busy_timeout }: NonNullable<Config['storage']['sqlite']>,
  checkpointErrors?: (err: Error) => void,
): Db {
  if (path !== ':memory:') makeDirectory(dirname(path));
  const sqlite = new SqliteDatabase(path, { timeout: busy_timeout });
  // Only a new, empty file takes this: pruning (retention/) then gives freed pages back to the file system.
  sqlite.pragma('auto_vacuum = INCREMENTAL');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${synchronous.toUpperCase()}`);
  sqlite.pragma('foreign_keys = ON');
  // 64 MiB of page cache: a storm's inserts touch the same index pages over and over.
  sqlite.pragma('cache_size = -65536');
  // From here on, waits for the lock are the dialect's, on timers (sqlite-busy.ts).
  sqlite.pragma('busy_timeout = 0');
  const checkpointer =
    checkpointErrors && path !== ':memory:'
      ? checkpointInBackground(sqlite, path, busy_timeout, checkpointErrors)
      : undefined;
  if (!checkpointErrors && path !== ':memory:') leaveCheckpointsToWorker(sqlite);
  return new Kysely<DatabaseSchema>({
    dialect: new NonBlockingSqliteDialect(
      { database: withStatementCache(sqlite, () => checkpointer?.close()) },
      busy_timeout,
    ),
  });
}

/**
 * Kysely prepares every query anew; SQLite's prepare is a large share of a small query's cost, and the
 * same SQL text recurs constantly, so keep the most recent prepared statements.
 */
function withStatementCache(sqlite: SqliteDatabase.Database, beforeClose: () => void, size = 256) {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => {
      beforeClose();
      sqlite.close();
    },
    prepare(text: string) {
      // A prepared incremental_vacuum frees one page per step, and a statement run is one step; exec runs it whole.
      if (text.startsWith('pragma incremental_vacuum')) return wholeStatement(sqlite, text);
      let statement = cache.get(text);
      if (statement) {
        cache.delete(text); // re-inserted below: Map order is the recency order
      } else {
        // Two connections write (the main thread's and the merge thread's). A deferred transaction that
        // reads before it writes would fail at once with SQLITE_BUSY when the other committed in between;
        // an immediate one takes the write lock first, waiting for it (busy_timeout, on timers) instead.
        statement = sqlite.prepare(text === 'begin' ? 'begin immediate' : text);
        if (cache.size >= size) cache.delete(cache.keys().next().value as string);
      }
      cache.set(text, statement);
      return statement;
    },
  };
}

function wholeStatement(sqlite: SqliteDatabase.Database, text: string) {
  return {
    reader: false,
    run: () => {
      sqlite.exec(text);
      return { changes: 0, lastInsertRowid: 0 };
    },
  } as unknown as SqliteDatabase.Statement;
}

/**
 * Faults worth a retry by the sender (Alertmanager retries on 5xx): SQLite busy or locked; on PostgreSQL a
 * serialization failure, deadlock, exhausted pool or lost connection.
 */
export function isTransientDbError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code)) || isTransientPostgresError(err);
}
