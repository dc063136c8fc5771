import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config';
import type { PostgresSettings } from '../db/postgres';
import type { MergeOptions } from '../incidents/ingest';
import type { MergeEvents, Stored } from './merge-loop';

/** Where the merge thread merges: a SQLite file, or PostgreSQL in lanes (merge-lanes.ts) on its own pool. */
export type MergeStorage =
  { sqlite: NonNullable<Config['storage']['sqlite']> } | { postgres: PostgresSettings; lanes: number };

export interface MergeWorkerData {
  storage: MergeStorage;
  merge: MergeOptions;
  /** Writers (stores, pruning) waiting for the write lock (see MergeThread.writersWaiting). */
  writersWaiting: Int32Array;
  /** Webhook requests being answered now (see MergeThread.receiving). */
  receiving: Int32Array;
}
export type ToWorker =
  { type: 'merge'; items: Stored[] } | { type: 'configure'; merge: MergeOptions } | { type: 'stop' };
export type FromWorker =
  | { type: 'done'; ids: number[]; changed: boolean; msPerDelivery: number }
  | { type: 'failed'; inboxId: number; message: string }
  | { type: 'problem'; level: 'warn' | 'error'; message: string; error: string };

/**
 * Run from the TypeScript sources (the test runner), the worker compiles them as jest does, with SWC;
 * built, it is plain JavaScript beside this file.
 */
const BOOT = `
const { workerData } = require('node:worker_threads');
if (workerData.entry.endsWith('.ts')) {
  const { readFileSync } = require('node:fs');
  const swc = require('@swc/core');
  require.extensions['.ts'] = (module, filename) => {
    const options = { filename, module: { type: 'commonjs' }, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } };
    module._compile(swc.transformSync(readFileSync(filename, 'utf8'), options).code, filename);
  };
}
require(workerData.entry);
`;

/**
 * Merging on its own thread: the main thread only stores deliveries (and answers Alertmanager), while
 * merging them into incidents, most of a storm's CPU, runs beside it on its own connections (a SQLite
 * file's second connection, or a PostgreSQL pool of one connection per lane). Raw payloads are posted
 * over; parsed objects would cost the main thread a deep copy.
 */
export class MergeThread {
  /**
   * How many writers of the main thread (stores, pruning) want SQLite's write lock now. The merge thread
   * begins no transaction while this is above zero: merges run back to back, and a writer that merely
   * polled for the lock would seldom hit the moment between two of them. (PostgreSQL has no single
   * write lock.)
   */
  readonly writersWaiting = new Int32Array(new SharedArrayBuffer(4));
  /** Webhook requests the main thread is answering now, which merging lets go first (receiving.ts). */
  readonly receiving = new Int32Array(new SharedArrayBuffer(4));
  private readonly worker: Worker;
  private readonly exited: Promise<void>;
  private stopping = false;

  constructor(
    storage: MergeStorage,
    merge: MergeOptions,
    events: MergeEvents,
    onCrash: (err: Error) => void,
  ) {
    const data: MergeWorkerData & { entry: string } = {
      storage,
      merge,
      writersWaiting: this.writersWaiting,
      receiving: this.receiving,
      entry: join(__dirname, `merge-worker${extname(__filename)}`),
    };
    this.worker = new Worker(BOOT, { eval: true, workerData: data });
    this.worker.on('message', (message: FromWorker) => {
      if (message.type === 'done') events.done(message.ids, message.changed, message.msPerDelivery);
      else if (message.type === 'failed') events.failed(message.inboxId, new Error(message.message));
      else events.problem(message.level, new Error(message.error), message.message);
    });
    let failed = false;
    this.worker.on('error', (err) => {
      failed = true;
      onCrash(err);
    });
    this.exited = new Promise((resolve) =>
      this.worker.once('exit', (code) => {
        if (!this.stopping && !failed) onCrash(new Error(`the merge thread exited with code ${code}`));
        resolve();
      }),
    );
  }

  /** Messages keep their order: batches handed after this merge with the new options. */
  configure(merge: MergeOptions): void {
    this.post({ type: 'configure', merge });
  }

  enqueue(items: Stored[]): void {
    this.post({
      type: 'merge',
      // The payload stays here (a deep copy would cost this thread); its group says which lane merges it.
      items: items.map(({ id, raw, payload, storedAt }) => ({
        id,
        raw,
        storedAt,
        group: payload && { receiver: payload.receiver, groupKey: payload.groupKey },
      })),
    });
  }

  /** Lets the batch in progress commit, then ends the thread. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.post({ type: 'stop' });
    await this.exited;
  }

  private post(message: ToWorker) {
    this.worker.postMessage(message);
  }
}
