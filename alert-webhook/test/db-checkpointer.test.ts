import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { parseConfig } from '../src/config';
import { openDatabase, type Db } from '../src/db/database';
import { tempDir } from './helpers';

/** Stores `count` inbox rows of about 16 KiB each, one transaction per row as the webhook does. */
async function storeRows(db: Db, count: number) {
  const payload = 'x'.repeat(16 * 1024);
  for (let i = 0; i < count; i++) {
    await db
      .insertInto('inbox')
      .values({
        received_at: new Date().toISOString(),
        receiver: 'vigil',
        group_key: `g${i}`,
        alert_count: 1,
        payload,
        processed_at: null,
        error: null,
      })
      .execute();
  }
}

async function until(condition: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SQLite checkpoints in a worker thread', () => {
  it('leaves commits without checkpoints, copies the log into the database file, and cleans up on close', async () => {
    const { dir, cleanup } = tempDir();
    const path = join(dir, 'vigil.db');
    const errors: Error[] = [];
    const db = await openDatabase(parseConfig({ storage: { sqlite: { path } } }).storage, (err) =>
      errors.push(err),
    );
    try {
      const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
      expect(rows[0]?.wal_autocheckpoint).toBe(0);
      const before = statSync(path).size;
      // About 5 MiB: well past the 1,000 pages at which a commit would checkpoint for itself.
      await storeRows(db, 320);
      // Only the worker moves pages from the log into the database file.
      await until(() => statSync(path).size > before + 4 * 1024 * 1024);
      await storeRows(db, 10);
      const { rows: stored } = await sql<{ n: number }>`select count(*) as n from inbox`.execute(db);
      expect(stored[0]?.n).toBe(330);
    } finally {
      await db.destroy();
    }
    // The worker closed its connection first, so the main one, closing last, removed the log.
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(errors).toEqual([]);
    cleanup();
  });
});
