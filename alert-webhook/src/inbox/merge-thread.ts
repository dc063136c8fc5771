import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config';
import type { PostgresSettings } from '../db/postgres';
import type { MergeOptions } from '../incidents/ingest';
import { dealByGroup } from './merge-lanes';
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
 * over; parsed objects would cost the main thread a deep copy. On PostgreSQL, `threads` of them share the
 * lanes, each delivery going to the thread of its group: merging a storm is bound by one thread's CPU
 * otherwise.
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
  private readonly workers: { worker: Worker; exited: Promise<void> }[];
  private stopping = false;
  private crashed = false;

  constructor(
    storage: MergeStorage,
    merge: MergeOptions,
    events: MergeEvents,
    onCrash: (err: Error) => void,
    threads = 1,
  ) {
    const count = 'postgres' in storage ? Math.max(1, threads) : 1;
    // The lanes dealt out among the threads, at least one each.
    const share = (n: number): MergeStorage =>
      'postgres' in storage
        ? { ...storage, lanes: Math.max(1, Math.floor((storage.lanes + count - 1 - n) / count)) }
        : storage;
    const data = (n: number): MergeWorkerData & { entry: string } => ({
      storage: share(n),
      merge,
      writersWaiting: this.writersWaiting,
      receiving: this.receiving,
      entry: join(__dirname, `merge-worker${extname(__filename)}`),
    });
    // One thread failing ends them all: merging then carries on in process, from what the inbox holds.
    const crash = (err: Error) => {
      if (this.crashed) return;
      this.crashed = true;
      // Once none of them can commit any more, so that merging in process does not run beside them.
      void Promise.all(this.workers.map(({ worker }) => worker.terminate())).finally(() => onCrash(err));
    };
    this.workers = Array.from({ length: count }, (_, n) => {
      const worker = new Worker(BOOT, { eval: true, workerData: data(n) });
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'done') events.done(message.ids, message.changed, message.msPerDelivery);
        else if (message.type === 'failed') events.failed(message.inboxId, new Error(message.message));
        else events.problem(message.level, new Error(message.error), message.message);
      });
      worker.on('error', crash);
      const exited = new Promise<void>((resolve) =>
        worker.once('exit', (code) => {
          if (!this.stopping) crash(new Error(`the merge thread exited with code ${code}`));
          resolve();
        }),
      );
      return { worker, exited };
    });
  }

  /** Messages keep their order: batches handed after this merge with the new options. */
  configure(merge: MergeOptions): void {
    this.post({ type: 'configure', merge });
  }

  enqueue(items: Stored[]): void {
    // The payload stays here (a deep copy would cost this thread); its group says which lane merges it.
    const posted = items.map(({ id, raw, payload, storedAt, group }) => ({
      id,
      raw,
      storedAt,
      group: group ?? (payload && { receiver: payload.receiver, groupKey: payload.groupKey }),
    }));
    const send = (worker: Worker | undefined, list: Stored[]) =>
      worker?.postMessage({ type: 'merge', items: list }, movable(list));
    const [only] = this.workers;
    if (this.workers.length === 1) return send(only?.worker, posted);
    // A group's thread from the upper half of its key: its lane in the thread takes the key modulo the lanes.
    const count = BigInt(this.workers.length);
    for (const [n, list] of dealByGroup(posted, (key) => Number((key >> 32n) % count))) {
      send(this.workers[n]?.worker, list);
    }
  }

  /** Lets the batch in progress commit, then ends the thread. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.post({ type: 'stop' });
    await Promise.all(this.workers.map((w) => w.exited));
  }

  private post(message: ToWorker) {
    for (const { worker } of this.workers) worker.postMessage(message);
  }
}

/**
 * The bodies' memory, moved to the merge thread rather than copied: a body that is bytes (as received) and
 * the whole of its ArrayBuffer, which only it uses (one Node took from its pool, shared, is copied). The
 * main thread is done with a body once it is stored.
 */
function movable(items: Stored[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const { raw } of items) {
    if (typeof raw === 'string' || !(raw.buffer instanceof ArrayBuffer)) continue;
    if (raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength) buffers.add(raw.buffer);
  }
  return [...buffers];
}
