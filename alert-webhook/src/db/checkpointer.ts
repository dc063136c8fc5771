import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';

/** How often the worker copies the write-ahead log into the database file. */
const INTERVAL_MS = 100;
/**
 * Passive checkpoints never block writers, and once one has caught up the next commit starts the log
 * afresh, so the log stays bounded under a storm (87 MiB at most while 800,000 alerts were stored at
 * 80,000 a second). Truncating blocks writers for as long as it copies, which is a stall of 100 ms and
 * more; only a log this large, a sign that passive checkpoints never catch up, is worth that.
 */
const TRUNCATE_ABOVE_BYTES = 1024 * 1024 * 1024;
/** After the log starts afresh, its file is cut back to this size rather than keeping a storm's peak. */
const KEEP_LOG_BYTES = 64 * 1024 * 1024;
/** How long closing waits for the worker to close its connection, so the main one closes last and cleans up. */
const CLOSE_WAIT_MS = 5_000;

/**
 * The worker's code, evaluated as CommonJS: a file beside this one would not exist when the sources run
 * under ts-jest. It opens its own connection and checkpoints on a timer until told to stop.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { timeout: workerData.busyTimeout });
const walSize = () => { try { return statSync(workerData.path + '-wal').size; } catch { return 0; } };
let timer;
const tick = () => {
  db.pragma(walSize() > workerData.truncateAbove ? 'wal_checkpoint(TRUNCATE)' : 'wal_checkpoint(PASSIVE)');
  timer = setTimeout(tick, workerData.intervalMs);
};
timer = setTimeout(tick, workerData.intervalMs);
parentPort.on('message', () => {
  clearTimeout(timer);
  db.close();
  Atomics.store(workerData.closed, 0, 1);
  Atomics.notify(workerData.closed, 0);
});
`;

/**
 * SQLite checkpoints the write-ahead log inside whichever commit crosses 1,000 pages, and that commit
 * then copies megabytes and syncs the database file on the event loop: tens of milliseconds during which
 * no webhook is answered. This moves that work to a worker thread with its own connection, leaving each
 * commit only its own log append. Should the worker die, the connection checkpoints for itself again.
 */
export function checkpointInBackground(
  sqlite: SqliteDatabase.Database,
  path: string,
  busyTimeout: number,
  onError: (err: Error) => void,
): { close(): void } {
  sqlite.pragma('wal_autocheckpoint = 0');
  sqlite.pragma(`journal_size_limit = ${KEEP_LOG_BYTES}`);
  const closed = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver: require.resolve('better-sqlite3'),
      path,
      busyTimeout,
      intervalMs: INTERVAL_MS,
      truncateAbove: TRUNCATE_ABOVE_BYTES,
      closed,
    },
  });
  worker.unref();
  let stopping = false;
  const fallBack = (err: Error) => {
    if (stopping || !sqlite.open) return;
    sqlite.pragma('wal_autocheckpoint = 1000');
    onError(err);
  };
  worker.on('error', fallBack);
  worker.on('exit', (code) => fallBack(new Error(`checkpoint worker exited with code ${code}`)));
  return {
    close() {
      stopping = true;
      worker.postMessage('stop');
      // Synchronous because the driver's close is: the caller closes the main connection right after.
      Atomics.wait(closed, 0, 0, CLOSE_WAIT_MS);
      void worker.terminate();
    },
  };
}

/** 256 MiB of log in 4 KiB pages: about three times the most a storm was seen to leave (87 MiB, above). */
const FALLBACK_CHECKPOINT_PAGES = 65_536;

/**
 * For the file's other connections (the inbox writer's and pruning's on the event loop, the merge
 * thread's): SQLite checkpoints inside any commit that finds the log past 1,000 pages, which a storm keeps
 * it above, so each of their commits copied the log into the file (a store's p99 commit 6 ms instead of
 * 0.4 ms; merging 12–30% slower). The worker checkpoints for them; this mark is reached only should it
 * fail, and keeps the log bounded then. They also cut the log's file back when they start it afresh,
 * which is a connection's own setting: most commits are theirs, so the file kept a storm's peak otherwise.
 */
export function leaveCheckpointsToWorker(sqlite: SqliteDatabase.Database): void {
  sqlite.pragma(`wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`);
  sqlite.pragma(`journal_size_limit = ${KEEP_LOG_BYTES}`);
}
