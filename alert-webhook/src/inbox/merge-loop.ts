import type { Kysely } from 'kysely';
import { isTransientDbError, type Db } from '../db/database';
import { isPostgres } from '../db/postgres';
import { ingest, type MergeOptions } from '../incidents/ingest';
import { validatePayload, type WebhookPayload } from '../webhook/payload';

/** Most deliveries merged in one transaction when a backlog has built up. */
const MAX_BATCH = 25;
/**
 * On PostgreSQL: a batch costs a dozen round trips whatever its size (merge-state.ts), so a backlog merges
 * in larger ones; not larger still, as merging one in memory holds the event loop that accepts deliveries.
 */
const SHARED_BATCH = 50;
/**
 * A merge transaction holds the database's write lock (and, in process, the event loop); keeping each
 * short lets stores, and so Alertmanager's 2xx, through between them.
 */
const SLICE_MS = 4;

/**
 * A delivery committed to the inbox: its JSON (as read back from the inbox, or its body's bytes as received),
 * and the payload when it was parsed already.
 */
export interface Stored {
  id: number;
  raw: string | Uint8Array;
  payload?: WebhookPayload;
  /** Its Alertmanager group, when known without parsing `raw` (see MergeLanes). */
  group?: { receiver: string; groupKey: string };
  /** When this run stored it (ms since the epoch); unset for rows read back from the inbox. */
  storedAt?: number;
}

/** What merging reports: to the inbox directly, or from the merge thread by message. */
export interface MergeEvents {
  /** These inbox rows are done with: merged, or marked failed. */
  done(ids: number[], changed: boolean, msPerDelivery: number): void;
  failed(inboxId: number, err: unknown): void;
  problem(level: 'warn' | 'error', err: unknown, message: string): void;
}

/**
 * Merges stored deliveries into incidents one batch at a time, in arrival order. On SQLite the batch is
 * sized so that one transaction stays within SLICE_MS; on PostgreSQL the merge waits on the network, not
 * the CPU, so batches are full.
 */
export class MergeLoop {
  private queue: Stored[] = [];
  /** Recent merge cost, to size batches so one merge transaction stays within SLICE_MS. */
  private msPerDelivery = 1;
  private running = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private idle: Promise<void> = Promise.resolve();
  private wakeIdle = () => {};
  private readonly shared: boolean;

  constructor(
    private readonly db: Db,
    private options: MergeOptions,
    private readonly events: MergeEvents,
    /** Called before each merge transaction begins; the merge thread waits there for deliveries and stores. */
    private readonly beforeBatch: (batch: Stored[]) => void | Promise<void> = () => {},
  ) {
    this.shared = isPostgres(db as Kysely<unknown>);
  }

  /** A reloaded configuration's routing and policies, for the batches merged from now on. */
  configure(options: MergeOptions): void {
    this.options = options;
  }

  enqueue(items: Stored[]): void {
    this.queue.push(...items);
    this.kick();
  }

  /** Stops after the batch in progress; resolves once that batch is committed. */
  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    return this.idle;
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.idle = new Promise((resolve) => (this.wakeIdle = resolve));
    void this.run();
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      const size = this.shared
        ? SHARED_BATCH
        : Math.max(1, Math.min(MAX_BATCH, Math.floor(SLICE_MS / this.msPerDelivery)));
      const batch = this.queue.slice(0, size);
      await this.beforeBatch(batch);
      const outcome = await this.merge(batch);
      if (outcome === 'retry-later') {
        this.retryTimer = setTimeout(() => this.kick(), 200);
        break;
      }
      this.queue.splice(0, batch.length);
      // Let other work in between batches: in process, accepting deliveries comes before merging them.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.running = false;
    this.wakeIdle();
  }

  /** Merges a batch in one transaction; when that fails, one by one, so one bad delivery cannot block the rest. */
  private async merge(batch: Stored[]): Promise<'done' | 'retry-later'> {
    const valid: { payload: WebhookPayload; inboxId: number }[] = [];
    for (const item of batch) {
      const payload = item.payload ?? parseStored(item.raw);
      if (payload) valid.push({ payload, inboxId: item.id });
      else await this.markFailed(item.id, new Error('stored payload no longer validates'));
    }
    if (valid.length === 0) return 'done';
    const started = performance.now();
    try {
      const results = await ingest(this.db, valid, this.options);
      const ms = (performance.now() - started) / valid.length;
      this.msPerDelivery = 0.8 * this.msPerDelivery + 0.2 * ms;
      this.events.done(
        valid.map((v) => v.inboxId),
        results.some((r) => r.changes > 0),
        ms,
      );
      return 'done';
    } catch (err) {
      if (isTransientDbError(err)) {
        this.events.problem('warn', err, 'database busy while merging deliveries; retrying');
        return 'retry-later';
      }
      if (valid.length > 1) {
        for (const { payload, inboxId } of valid) {
          if ((await this.merge([{ id: inboxId, raw: '', payload }])) === 'retry-later') return 'retry-later';
        }
        return 'done';
      }
      await this.markFailed(valid[0]?.inboxId as number, err);
      return 'done';
    }
  }

  private async markFailed(id: number, err: unknown): Promise<void> {
    this.events.failed(id, err);
    await this.db
      .updateTable('inbox')
      .set({ processed_at: new Date().toISOString(), error: String((err as Error)?.message ?? err) })
      .where('id', '=', id)
      .execute()
      .catch((e: unknown) => this.events.problem('error', e, 'could not record inbox failure'));
    this.events.done([id], false, 0);
  }
}

export function parseStored(raw: string | Uint8Array): WebhookPayload | undefined {
  try {
    const text =
      typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString();
    const checked = validatePayload(JSON.parse(text));
    return checked.ok ? checked.payload : undefined;
  } catch {
    return undefined; // not JSON: the webhook stored only what parsed, so the row was altered
  }
}
