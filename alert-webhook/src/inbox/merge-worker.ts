import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { connectSqlite, type Db } from '../db/database';
import { openPostgres } from '../db/postgres';
import type { MergeOptions } from '../incidents/ingest';
import { MergeLanes } from './merge-lanes';
import { MergeLoop, type MergeEvents, type Stored } from './merge-loop';
import type { FromWorker, MergeWorkerData, ToWorker } from './merge-thread';
import { yieldToDeliveries } from './receiving';

/**
 * Nice 5: about a quarter of the CPU weight of the main thread, so that on a busy machine the kernel
 * favours accepting webhooks and merging takes the rest. Not lower: a merge holds SQLite's write lock
 * (on PostgreSQL, its groups' advisory locks),
 * and a thread starved while holding it keeps stores waiting (at 19 bench:webhook's p99 was about 10 ms
 * worse), and on a machine busy with other work merging, so paging, would crawl.
 */
const NICE = 5;

/** The merge thread: its own connections, merging what the main thread stored. */
function lowerPriority() {
  try {
    // Linux: /proc/thread-self names this thread's id, and a thread id takes its own nice value.
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), NICE);
  } catch {
    // Elsewhere the thread keeps the normal priority, as merging in process did.
  }
}

const port = parentPort;
if (!port) throw new Error('merge-worker runs as a worker thread');
const data = workerData as MergeWorkerData;
lowerPriority();
const { storage } = data;
const send = (message: FromWorker) => port.postMessage(message);
const events: MergeEvents = {
  done: (ids, changed, msPerDelivery) => send({ type: 'done', ids, changed, msPerDelivery }),
  failed: (inboxId, err) =>
    send({ type: 'failed', inboxId, message: String((err as Error)?.message ?? err) }),
  problem: (level, err, message) =>
    send({ type: 'problem', level, message, error: String((err as Error)?.message ?? err) }),
};
/** Stores come first: no merge transaction begins while one waits (the wait is capped, to be safe). */
const yieldToStores = () => {
  for (let waiting; (waiting = Atomics.load(data.writersWaiting, 0)) > 0;) {
    Atomics.wait(data.writersWaiting, 0, waiting, 10);
  }
};
/** Webhook requests first, during a storm (receiving.ts); the merge then catches up. */
const deliveriesFirst = (batch: Stored[]) => yieldToDeliveries(data.receiving, batch);
let db: Db;
let merger: MergeLoop | MergeLanes;
if ('postgres' in storage) {
  // A connection per lane: the main thread's pool keeps serving stores and the API.
  db = openPostgres(storage.postgres, storage.lanes);
  merger = new MergeLanes(db, data.merge satisfies MergeOptions, events, storage.lanes, deliveriesFirst);
} else {
  db = connectSqlite(storage.sqlite);
  merger = new MergeLoop(db, data.merge satisfies MergeOptions, events, async (batch) => {
    await deliveriesFirst(batch);
    yieldToStores();
  });
}
port.on('message', (message: ToWorker) => {
  if (message.type === 'merge') return merger.enqueue(message.items satisfies Stored[]);
  if (message.type === 'configure') return merger.configure(message.merge);
  void merger
    .stop()
    .then(() => db.destroy())
    .then(() => port.close());
});
