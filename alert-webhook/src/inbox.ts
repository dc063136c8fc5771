import type { Logger } from 'pino';
import { isTransientDbError, type Db } from './db/database';
import { ingest } from './incidents/ingest';
import type { Metrics } from './metrics';
import { validatePayload, type WebhookPayload } from './webhook/payload';

/** Deliveries merged per transaction when a backlog has built up. */
const BATCH = 25;

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
  private queue: Pending[] = [];
  private running = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly options: { reopenWindowMs: number; log: Logger; metrics: Metrics },
  ) {}

  async store(raw: string, payload: WebhookPayload): Promise<number> {
    const row = await this.db
      .insertInto('inbox')
      .values({
        received_at: new Date().toISOString(),
        receiver: payload.receiver,
        group_key: payload.groupKey,
        alert_count: payload.alerts.length,
        payload: raw,
        processed_at: null,
        error: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    this.queue.push({ id: row.id, payload });
    this.kick();
    return row.id;
  }

  /** Queues what a previous run stored but did not merge. */
  async recover(): Promise<number> {
    const rows = await this.db
      .selectFrom('inbox')
      .select(['id', 'payload'])
      .where('processed_at', 'is', null)
      .orderBy('id')
      .execute();
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
      const batch = this.queue.slice(0, BATCH);
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
    const { log, metrics, reopenWindowMs } = this.options;
    const started = performance.now();
    try {
      await ingest(
        this.db,
        batch.map((p) => ({ payload: p.payload, inboxId: p.id })),
        { reopenWindowMs },
      );
      const perDelivery = (performance.now() - started) / 1000 / batch.length;
      for (let i = 0; i < batch.length; i++) metrics.processingDuration.observe(perDelivery);
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
