import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import { isTransientDbError, type Db } from '../db/database';
import type { RetentionConfig } from './config';
import { PRUNED_TABLES, databaseSize, pruneBatch, vacuumIncrementally, type PruneCounts } from './prune';

/** Between two batches: merges and stores waiting for the write lock get it first. */
const PAUSE_MS = 20;
/** Tries at a batch while the database is busy, PAUSE_MS apart, before leaving it to the next interval. */
const BUSY_ATTEMPTS = 250;
/** Free pages a SQLite file gives back after each batch (4 MiB of 4 KiB pages). */
const VACUUM_PAGES = 1024;

export interface PrunerOptions {
  retention: RetentionConfig;
  /** The longest scheduled report period, read at each run (a reload may change it). */
  reportPeriodMs: () => number;
  log: Logger;
  registry: Registry;
  now?: () => number;
  /**
   * A SQLite file's count of writers waiting for the lock (the inbox's, see merge-thread.ts): raised while
   * a batch tries, so that the merge thread, which merges back to back in a storm, lets pruning in too.
   */
  writersWaiting?: Int32Array;
}

/**
 * Deletes what retention says has been kept long enough, in small batches with pauses between them, so
 * that a storm's merges and stores are never held up for long. Runs on a timer (see start), on one
 * replica only when several share PostgreSQL (the caller passes the leader check).
 */
export class Pruner {
  private readonly pruned: Counter<'table'>;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private options: PrunerOptions,
  ) {
    this.pruned = new Counter({
      name: 'vigil_retention_pruned_rows_total',
      help: 'Rows deleted by retention (see the retention section of the configuration), by table.',
      labelNames: ['table'],
      registers: [options.registry],
    });
    for (const table of PRUNED_TABLES) this.pruned.inc({ table }, 0);
    new Gauge({
      name: 'vigil_db_size_bytes',
      help: "The database's size: the SQLite file's pages, or pg_database_size on PostgreSQL.",
      registers: [options.registry],
      async collect() {
        this.set(await databaseSize(db));
      },
    });
  }

  /** A reloaded configuration's retention, for the runs from now on. */
  configure(retention: RetentionConfig): void {
    this.options = { ...this.options, retention };
  }

  /** Prunes every `retention.interval`, when `allowed` says so (the leader lease). */
  start(allowed: (task: () => Promise<unknown>) => Promise<unknown>): void {
    const tick = () => {
      this.running = allowed(() => this.run())
        .then(() => undefined)
        .catch((err: unknown) =>
          this.options.log[isTransientDbError(err) ? 'warn' : 'error'](
            { err },
            'pruning failed; retried at the next interval',
          ),
        )
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.retention.interval);
        });
    };
    this.timer = setTimeout(tick, this.options.retention.interval);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Prunes batch after batch until nothing is left to prune; resolves with the rows deleted, by table. */
  async run(): Promise<PruneCounts> {
    const total: PruneCounts = {};
    for (;;) {
      if (this.stopped) break;
      const counts = await this.batch();
      const tables = Object.entries(counts) as [keyof PruneCounts, number][];
      if (tables.length === 0) break;
      for (const [table, n] of tables) {
        this.pruned.inc({ table }, n);
        total[table] = (total[table] ?? 0) + n;
      }
      await vacuumIncrementally(this.db, VACUUM_PAGES);
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
    if (Object.keys(total).length > 0) this.options.log.info({ pruned: total }, 'pruned by retention');
    return total;
  }

  /** One batch; while the database is busy (a storm's merges hold SQLite's write lock), tried again shortly. */
  private async batch(): Promise<PruneCounts> {
    const waiting = this.options.writersWaiting;
    if (!waiting) return this.attempts();
    Atomics.add(waiting, 0, 1);
    try {
      return await this.attempts();
    } finally {
      Atomics.sub(waiting, 0, 1);
      Atomics.notify(waiting, 0);
    }
  }

  private async attempts(): Promise<PruneCounts> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await pruneBatch(this.db, {
          retention: this.options.retention,
          reportPeriodMs: this.options.reportPeriodMs(),
          now: (this.options.now ?? Date.now)(),
        });
      } catch (err) {
        if (attempt >= BUSY_ATTEMPTS || !isTransientDbError(err) || this.stopped) throw err;
        await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
      }
    }
  }
}
