import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, sql } from 'kysely';
import type { Config } from '../config';
import { leaveCheckpointsToWorker } from '../db/checkpointer';
import type { Db } from '../db/database';
import type { DeliveryHead, WebhookPayload } from '../webhook/payload';

/**
 * A delivery to store: its body (UTF-8 JSON) and the columns read from it; the parsed payload only when
 * merged in process. The body stays bytes, outside V8's heap: as a string, held while its commit is
 * awaited, it outlived young-generation collections and was copied by each (README, "Benchmark").
 */
export interface Delivery {
  body: Buffer;
  receiver: string;
  groupKey: string;
  alertCount: number;
  payload?: WebhookPayload;
}

/** A delivery's columns, read from its head; its parsed payload, when there is one, kept for merging. */
export function toDelivery(body: Buffer, head: DeliveryHead, payload?: WebhookPayload): Delivery {
  const { receiver, groupKey, alerts } = head;
  return { body, receiver, groupKey, alertCount: alerts.length, ...(payload && { payload }) };
}

/** Commits deliveries to the inbox in one transaction and resolves with their ids, in order. */
export type InboxWriter = (batch: Delivery[], receivedAt: string) => Promise<number[]>;

function row<P>({ receiver, groupKey, alertCount }: Delivery, payload: P, receivedAt: string) {
  return {
    received_at: receivedAt,
    receiver,
    group_key: groupKey,
    alert_count: alertCount,
    payload,
    processed_at: null,
    error: null,
  };
}

/** Identity values are handed out in the order of the rows inserted; sorted, they pair up with the batch. */
const inOrder = (rows: { id: number }[]) => rows.map((r) => r.id).sort((a, b) => a - b);

/** Batch sizes whose statement text is kept: a group commit rarely holds more deliveries. */
const KEPT_TEXTS = 1000;

/**
 * PostgreSQL: one statement stores the whole batch, written here rather than by the query builder, whose
 * building and compiling of each batch's insert, with seven parameters a row, cost the receiving thread
 * 11–21% of its CPU in a storm (README, "Benchmark"); its text is built once per batch size, with four
 * parameters a row and the batch's time once.
 * The body's bytes go as they are, never decoded: pg sends a Buffer as a binary parameter, which
 * PostgreSQL takes for text as its UTF-8 bytes (and checks).
 */
export function postgresWriter(db: Db): InboxWriter {
  const texts: string[] = [];
  const text = (n: number) => {
    const kept = texts[n];
    if (kept !== undefined) return kept;
    const rows = Array.from(
      { length: n },
      (_, i) => `($1, $${4 * i + 2}, $${4 * i + 3}, $${4 * i + 4}, $${4 * i + 5})`,
    );
    const built = `insert into inbox (received_at, receiver, group_key, alert_count, payload) values ${rows.join(', ')} returning id`;
    if (n <= KEPT_TEXTS) texts[n] = built;
    return built;
  };
  return async (batch, receivedAt) => {
    const params: unknown[] = [receivedAt];
    for (const d of batch) params.push(d.receiver, d.groupKey, d.alertCount, d.body);
    return inOrder(
      (await db.executeQuery<{ id: number }>(CompiledQuery.raw(text(batch.length), params))).rows,
    );
  };
}

/** SQLite in memory, through the query builder. SQLite would keep the body's bytes as a blob, so it casts. */
export function memoryWriter(db: Db): InboxWriter {
  return async (batch, receivedAt) =>
    inOrder(
      await db
        .insertInto('inbox')
        .values(batch.map((d) => row(d, sql<string>`cast(${d.body} as text)`, receivedAt)))
        .returning('id')
        .execute(),
    );
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
     values (@received_at, @receiver, @group_key, @alert_count, cast(@payload as text), @processed_at, @error)`,
  );
  const commit = sqlite.transaction((batch: Delivery[], receivedAt: string) =>
    batch.map((d) => Number(insert.run(row(d, d.body, receivedAt)).lastInsertRowid)),
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
