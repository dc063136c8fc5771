import SqliteDatabase from 'better-sqlite3';
import type { Config } from '../config';
import { leaveCheckpointsToWorker } from '../db/checkpointer';
import type { Db } from '../db/database';
import type { WebhookPayload } from '../webhook/payload';

export interface Delivery {
  raw: string;
  payload: WebhookPayload;
}

/** Commits deliveries to the inbox in one transaction and resolves with their ids, in order. */
export type InboxWriter = (batch: Delivery[], receivedAt: string) => Promise<number[]>;

function row({ raw, payload }: Delivery, receivedAt: string) {
  return {
    received_at: receivedAt,
    receiver: payload.receiver,
    group_key: payload.groupKey,
    alert_count: payload.alerts.length,
    payload: raw,
    processed_at: null,
    error: null,
  };
}

/** Through the query builder: PostgreSQL, and SQLite in memory. One statement stores the whole batch. */
export function queryBuilderWriter(db: Db): InboxWriter {
  return async (batch, receivedAt) => {
    const stored = await db
      .insertInto('inbox')
      .values(batch.map((delivery) => row(delivery, receivedAt)))
      .returning('id')
      .execute();
    // Identity values are handed out in the order of the rows inserted; sorted, they pair up with the batch.
    return stored.map((r) => r.id).sort((a, b) => a - b);
  };
}

/**
 * A SQLite file that the merge thread writes too. Waiting for its write lock in SQLite's busy handler
 * would put the event loop to sleep, in steps of 1, 2, 5, 10 ms and more; this connection instead tries
 * the lock without waiting and, while the merge thread holds it, tries again on the next timer turn, so
 * webhooks keep being read and checked meanwhile. After busy_timeout it gives up with SQLITE_BUSY (a 503).
 */
export function sqliteFileWriter(
  settings: NonNullable<Config['storage']['sqlite']>,
  /** Raised while this writer wants the lock, so that the merge thread lets it in (see merge-thread.ts). */
  writersWaiting: Int32Array,
): {
  write: InboxWriter;
  close: () => void;
} {
  const sqlite = new SqliteDatabase(settings.path, { timeout: 0 });
  sqlite.pragma(`synchronous = ${settings.synchronous.toUpperCase()}`);
  leaveCheckpointsToWorker(sqlite);
  const insert = sqlite.prepare(
    `insert into inbox (received_at, receiver, group_key, alert_count, payload, processed_at, error)
     values (@received_at, @receiver, @group_key, @alert_count, @payload, @processed_at, @error)`,
  );
  const commit = sqlite.transaction((batch: Delivery[], receivedAt: string) =>
    batch.map((d) => Number(insert.run(row(d, receivedAt)).lastInsertRowid)),
  );
  const write: InboxWriter = (batch, receivedAt) => {
    const giveUpAt = Date.now() + settings.busy_timeout;
    Atomics.add(writersWaiting, 0, 1);
    const done = () => {
      Atomics.sub(writersWaiting, 0, 1);
      Atomics.notify(writersWaiting, 0);
    };
    return new Promise((resolve, reject) => {
      const attempt = () => {
        try {
          resolve(commit.immediate(batch, receivedAt));
          done();
        } catch (err) {
          const busy = (err as { code?: string }).code === 'SQLITE_BUSY';
          if (busy && Date.now() < giveUpAt) return void setTimeout(attempt, 0);
          done();
          reject(err);
        }
      };
      attempt();
    });
  };
  return { write, close: () => sqlite.close() };
}
