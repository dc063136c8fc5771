import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Db } from '../db/database';
import type { PostgresSettings } from '../db/postgres';
import type { MergeOptions } from '../incidents/ingest';
import type { Metrics } from '../metrics';
import type { DeliveryHead, WebhookPayload } from '../webhook/payload';
import { MergeLanes } from './merge-lanes';
import { MergeLoop, type MergeEvents, type Stored } from './merge-loop';
import { MergeThread, type MergeStorage } from './merge-thread';
import { countReceiving } from './receiving';
import {
  postgresWriter,
  memoryWriter,
  sqliteFileWriter,
  toDelivery,
  type Delivery,
  type InboxWriter,
} from './store';

export interface InboxOptions extends MergeOptions {
  log: Logger;
  metrics: Metrics;
  onMerged: () => void;
  /**
   * Where merging runs: on its own thread (merge-thread.ts) for a SQLite file, whose stores then go
   * through their own connection (store.ts), and for PostgreSQL; in process, through `db`, for `:memory:`.
   */
  sqlite?: NonNullable<Config['storage']['sqlite']>;
  /** PostgreSQL: merged in `merge_lanes` batches at once, each on its own connection (see merge-lanes.ts). */
  postgres?: PostgresSettings;
  /**
   * Test seam: false merges in process, so mutation testing (which switches mutants on in this thread
   * only) reaches the merge path through the app.
   */
  mergeThread?: boolean;
}

/**
 * The durable inbox: a delivery is stored (and committed) before Alertmanager gets its 2xx, then merged
 * into incidents in arrival order. Rows left unmerged by a crash are picked up again on start.
 */
export class Inbox {
  private unstored: (Delivery & { resolve: (id: number) => void; reject: (err: unknown) => void })[] = [];
  /**
   * Merged in process, the parsed payload is kept for merging; on a merge thread it is not: held while
   * the commit is awaited it would outlive a young-generation collection or two, and be copied by each.
   * Without it, a delivery needs no parsed copy at all, only its head (the webhook route checks it so).
   */
  readonly keepsPayload: boolean;
  /** Handed to merging and not yet done with. */
  private readonly pending = new Set<number>();
  private idleWaiters: (() => void)[] = [];
  private merger: MergeLoop | MergeThread | MergeLanes;
  private readonly write: InboxWriter;
  private readonly closeWriter: () => void = () => {};
  private merge: MergeOptions;
  /** On a SQLite file merged on its own thread: writers waiting for the lock, which the thread yields to. */
  readonly writersWaiting: Int32Array | undefined;
  /** With a merge thread: the webhook requests being answered, which it lets go first (receiving.ts). */
  private readonly receivingNow: Int32Array | undefined;

  constructor(
    private readonly db: Db,
    options: InboxOptions,
  ) {
    const { log, metrics, onMerged, sqlite, postgres, mergeThread = true, ...merge } = options;
    this.merge = merge;
    const events: MergeEvents = {
      done: (ids, changed, msPerDelivery) => {
        for (const id of ids) {
          this.pending.delete(id);
          if (msPerDelivery > 0) metrics.processingDuration.observe(msPerDelivery / 1000);
        }
        if (changed) onMerged();
        this.wakeIfIdle();
      },
      failed: (inboxId, err) => {
        metrics.inboxFailed.inc();
        log.error({ err, inboxId }, 'could not merge a stored delivery into incidents');
      },
      problem: (level, err, message) => log[level]({ err }, message),
    };
    const inProcess = () =>
      postgres
        ? new MergeLanes(db, this.merge, events, postgres.merge_lanes)
        : new MergeLoop(db, this.merge, events);
    const threaded: MergeStorage | undefined = !mergeThread
      ? undefined
      : postgres
        ? { postgres, lanes: postgres.merge_lanes }
        : sqlite && sqlite.path !== ':memory:'
          ? { sqlite }
          : undefined;
    this.keepsPayload = !threaded;
    if (!threaded) {
      this.write = postgres ? postgresWriter(db) : memoryWriter(db);
      this.merger = inProcess();
      return;
    }
    const onCrash = (err: Error) => {
      // Merging carries on in process; what the thread had not finished is still unmerged in the inbox.
      log.error({ err }, 'the merge thread failed; merging in process from now on');
      this.merger = inProcess();
      this.pending.clear();
      this.recover()
        .then(() => this.wakeIfIdle())
        .catch((e: unknown) => log.error({ err: e }, 'could not read the unmerged deliveries'));
    };
    const thread = new MergeThread(threaded, merge, events, onCrash, postgres?.merge_threads);
    this.merger = thread;
    this.receivingNow = thread.receiving;
    if ('sqlite' in threaded) {
      this.writersWaiting = thread.writersWaiting;
      const writer = sqliteFileWriter(threaded.sqlite, thread.writersWaiting);
      this.write = writer.write;
      this.closeWriter = writer.close;
    } else {
      this.write = postgresWriter(db);
    }
  }

  /**
   * Stores a delivery durably and resolves with its inbox id once committed. Deliveries arriving in the
   * same event-loop turn share one transaction (group commit): one commit instead of one per request.
   * `head` gives its columns; `payload`, its parsed copy when the caller has one, is kept for merging in process.
   */
  store(body: Buffer, head: DeliveryHead, payload?: WebhookPayload): Promise<number> {
    const kept = this.keepsPayload ? payload : undefined;
    return new Promise((resolve, reject) => {
      this.unstored.push({ ...toDelivery(body, head, kept), resolve, reject });
      if (this.unstored.length === 1) setImmediate(() => void this.flush());
    });
  }

  /** A webhook request being answered, until its response is done: merging lets it go first. */
  receiving(req: Request, res: Response): void {
    if (this.receivingNow) countReceiving(this.receivingNow, req, res);
  }

  private async flush(): Promise<void> {
    const batch = this.unstored.splice(0);
    const receivedAt = new Date().toISOString();
    try {
      const ids = await this.write(batch, receivedAt);
      const storedAt = Date.now();
      this.hand(
        batch.map(({ body, receiver, groupKey, payload }, i) => ({
          id: ids[i] as number,
          raw: body,
          payload,
          storedAt,
          group: { receiver, groupKey },
        })),
      );
      batch.forEach((item, i) => item.resolve(ids[i] as number));
    } catch (err) {
      for (const item of batch) item.reject(err);
    }
  }

  /** Queues what a previous run stored but did not merge. */
  async recover(): Promise<number> {
    const rows = await this.db
      .selectFrom('inbox')
      .select(['id', 'payload', 'receiver', 'group_key'])
      .where('processed_at', 'is', null)
      .orderBy('id')
      .execute();
    this.hand(rows.map(storedRow));
    return rows.length;
  }

  /**
   * With several replicas: queues deliveries stored at least `olderThanMs` ago and still unmerged, which a
   * replica that died left behind (until it restarts nobody else would merge them). Merging is idempotent,
   * so should their owner be alive and merely behind, merging them twice changes nothing.
   */
  async adoptOrphans(olderThanMs: number, limit = 500): Promise<number> {
    const rows = await this.db
      .selectFrom('inbox')
      .select(['id', 'payload', 'receiver', 'group_key'])
      .where('processed_at', 'is', null)
      .where('received_at', '<', new Date(Date.now() - olderThanMs).toISOString())
      .orderBy('id')
      .limit(limit)
      .execute();
    const orphans = rows.filter((r) => !this.pending.has(r.id));
    this.hand(orphans.map(storedRow));
    return orphans.length;
  }

  /** A reloaded configuration's routing, policies and reopen window, for what is merged from now on. */
  configure(merge: MergeOptions): void {
    this.merge = merge;
    this.merger.configure(merge);
  }

  /** Resolves once everything handed to merging so far has been merged (or failed). */
  drained(): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops merging after the batch in progress; unmerged rows stay in the inbox for the next start. */
  async stop(): Promise<void> {
    await this.merger.stop();
    this.closeWriter();
  }

  private wakeIfIdle(): void {
    if (this.pending.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private hand(items: Stored[]): void {
    if (items.length === 0) return;
    for (const item of items) this.pending.add(item.id);
    this.merger.enqueue(items);
  }
}

/** An unmerged inbox row as handed to merging: its group read from its columns, the payload left unparsed. */
function storedRow(r: { id: number; payload: string; receiver: string; group_key: string }): Stored {
  return { id: r.id, raw: r.payload, group: { receiver: r.receiver, groupKey: r.group_key } };
}
