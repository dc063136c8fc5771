import type { Logger } from 'pino';
import type { Kysely } from 'kysely';
import { isTransientDbError, type Db } from './db/database';
import { isPostgres } from './db/postgres';
import { ingest, type MergeOptions } from './incidents/ingest';
import type { Metrics } from './metrics';
import { validatePayload, type WebhookPayload } from './webhook/payload';

/** Most deliveries merged in one transaction when a backlog has built up. */
const MAX_BATCH = 25;
/**
 * A merge transaction holds the event loop and the database connection; keeping each short lets stores
 * (and so Alertmanager's 2xx) through between them.
 */
const SLICE_MS = 4;

interface Pending {
  id: number;
  payload: WebhookPayload;
}

/**
 * The durable inbox: a delivery is stored (and committed) before Alertmanager gets its 2xx, then merged
 * into incidents one at a time, in arrival order, by a single worker. Rows left unmerged by a crash are
 * picked up again on start.
 */
export class Inbox {
  private unstored: {
    raw: string;
    payload: WebhookPayload;
    resolve: (id: number) => void;
    reject: (err: unknown) => void;
  }[] = [];
  private queue: Pending[] = [];
  /** Recent merge cost, to size batches so one merge transaction stays within SLICE_MS. */
  private msPerDelivery = 1;
  private running = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly shared: boolean;

  constructor(
    private readonly db: Db,
    private readonly options: MergeOptions & { log: Logger; metrics: Metrics; onMerged: () => void },
  ) {
    this.shared = isPostgres(db as Kysely<unknown>);
  }

  /**
   * Stores a delivery durably and resolves with its inbox id once committed. Deliveries arriving in the
   * same event-loop turn share one transaction (group commit): one commit instead of one per request.
   */
  store(raw: string, payload: WebhookPayload): Promise<number> {
    return new Promise((resolve, reject) => {
      this.unstored.push({ raw, payload, resolve, reject });
      if (this.unstored.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.unstored.splice(0);
    const receivedAt = new Date().toISOString();
    try {
      const ids = await this.db.transaction().execute(async (tx) => {
        const ids: number[] = [];
        for (const { raw, payload } of batch) {
          const row = await tx
            .insertInto('inbox')
            .values({
              received_at: receivedAt,
              receiver: payload.receiver,
              group_key: payload.groupKey,
              alert_count: payload.alerts.length,
              payload: raw,
              processed_at: null,
              error: null,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          ids.push(row.id);
        }
        return ids;
      });
      batch.forEach((item, i) => {
        const id = ids[i] as number;
        this.queue.push({ id, payload: item.payload });
        item.resolve(id);
      });
      this.kick();
    } catch (err) {
      for (const item of batch) item.reject(err);
    }
  }

  /** Queues what a previous run stored but did not merge. */
  async recover(): Promise<number> {
    const rows = await this.db
      .selectFrom('inbox')
      .select(['id', 'payload'])
      .where('processed_at', 'is', null)
      .orderBy('id')
      .execute();
    return this.requeue(rows);
  }

  /**
   * With several replicas: queues deliveries stored at least `olderThanMs` ago and still unmerged, which a
   * replica that died left behind (until it restarts nobody else would merge them). Merging is idempotent,
   * so should their owner be alive and merely behind, merging them twice changes nothing.
   */
  async adoptOrphans(olderThanMs: number, limit = 500): Promise<number> {
    const queued = new Set(this.queue.map((p) => p.id));
    const rows = await this.db
      .selectFrom('inbox')
      .select(['id', 'payload'])
      .where('processed_at', 'is', null)
      .where('received_at', '<', new Date(Date.now() - olderThanMs).toISOString())
      .orderBy('id')
      .limit(limit)
      .execute();
    return this.requeue(rows.filter((r) => !queued.has(r.id)));
  }

  private async requeue(rows: { id: number; payload: string }[]): Promise<number> {
    for (const row of rows) {
      const parsed = validatePayload(JSON.parse(row.payload));
      if (parsed.ok) this.queue.push({ id: row.id, payload: parsed.payload });
      else await this.markFailed(row.id, new Error('stored payload no longer validates'));
    }
    this.kick();
    return rows.length;
  }

  /** Resolves once everything queued so far has been merged (or failed). */
  drained(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      // On PostgreSQL the merge waits on the network, not the event loop: batch fully, one commit per batch.
      const size = this.shared
        ? MAX_BATCH
        : Math.max(1, Math.min(MAX_BATCH, Math.floor(SLICE_MS / this.msPerDelivery)));
      const batch = this.queue.slice(0, size);
      const outcome = await this.merge(batch);
      if (outcome === 'retry-later') {
        this.running = false;
        this.retryTimer = setTimeout(() => this.kick(), 200);
        return;
      }
      this.queue.splice(0, batch.length);
      // Let waiting HTTP requests in between batches: accepting deliveries comes before merging them.
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.running = false;
    for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Merges a batch in one transaction; when that fails, one by one, so one bad delivery cannot block the rest. */
  private async merge(batch: Pending[]): Promise<'done' | 'retry-later'> {
    const { log, metrics, onMerged, ...merge } = this.options;
    const started = performance.now();
    try {
      const results = await ingest(
        this.db,
        batch.map((p) => ({ payload: p.payload, inboxId: p.id })),
        merge,
      );
      if (results.some((r) => r.changes > 0)) onMerged();
      const ms = (performance.now() - started) / batch.length;
      this.msPerDelivery = 0.8 * this.msPerDelivery + 0.2 * ms;
      for (let i = 0; i < batch.length; i++) metrics.processingDuration.observe(ms / 1000);
      return 'done';
    } catch (err) {
      if (isTransientDbError(err)) {
        log.warn({ err }, 'database busy while merging deliveries; retrying');
        return 'retry-later';
      }
      if (batch.length > 1) {
        for (const item of batch) if ((await this.merge([item])) === 'retry-later') return 'retry-later';
        return 'done';
      }
      const item = batch[0] as Pending;
      log.error({ err, inboxId: item.id }, 'could not merge a stored delivery into incidents');
      await this.markFailed(item.id, err);
      return 'done';
    }
  }

  private async markFailed(id: number, err: unknown): Promise<void> {
    this.options.metrics.inboxFailed.inc();
    await this.db
      .updateTable('inbox')
      .set({ processed_at: new Date().toISOString(), error: String((err as Error)?.message ?? err) })
      .where('id', '=', id)
      .execute()
      .catch((e: unknown) =>
        this.options.log.error({ err: e, inboxId: id }, 'could not record inbox failure'),
      );
  }
}
