import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Config } from '../config';
import type { DatabaseSchema } from './schema';
import { migrateToLatest } from './migrations';

export type Db = Kysely<DatabaseSchema>;

export async function openDatabase(storage: Config['storage']): Promise<Db> {
  const { path, synchronous, busy_timeout } = storage.sqlite;
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path, { timeout: busy_timeout });
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${synchronous.toUpperCase()}`);
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrateToLatest(db as Kysely<unknown>);
  return db;
}

/** Faults worth a retry by the sender (Alertmanager retries on 5xx): the database is busy or locked. */
export function isTransientDbError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^SQLITE_(BUSY|LOCKED)/.test(code);
}
