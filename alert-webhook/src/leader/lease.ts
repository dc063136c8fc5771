import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import { within } from '@vigil/service-kit';
import type { Db } from '../db/database';
import type { DatabaseSchema } from '../db/schema';
import { isPostgres } from '../db/postgres';

/** The row's name: one lease for everything the leader does. */
const LEASE = 'leader';

/** The database clock in epoch milliseconds: replicas' clocks never enter into who holds the lease. */
const DB_NOW_MS = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/**
 * Leadership among the replicas sharing one PostgreSQL: whoever holds the `leader` row of `leader_lease`
 * drives escalation and scheduled work. The holder renews it every ttl/5; the others try to take it on the
 * same beat and succeed once it has expired. So a leader that dies (kill -9, lost host) is replaced within
 * ttl + ttl/5 (12 s with the default 10 s), and one that stops cleanly hands over at once (release()).
 *
 * A leader that cannot renew steps down on its own clock after 0.8 × ttl, before the row can expire, so two
 * replicas never both believe they lead. Work that writes should also check holds(tx) inside its own
 * transaction (serializable on PostgreSQL): then a leader paused past its lease cannot commit anything.
 *
 * On SQLite (one process) the lease is simply always held.
 */
export class LeaderLease {
  readonly holder = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly shared: boolean;
  /** performance.now() until which this replica may act as leader. */
  private leaderUntil = 0;
  private announced = false;
  private stopped = false;
  private inflight: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: ((leader: boolean) => void)[] = [];

  constructor(
    private readonly db: Db,
    private readonly options: { ttlMs: number; log: Logger },
  ) {
    this.shared = isPostgres(db as Kysely<unknown>);
  }

  /** Starts competing for (and renewing) the lease; resolves after the first attempt. */
  async start(): Promise<void> {
    if (!this.shared) {
      this.leaderUntil = Infinity;
      this.announce();
      return;
    }
    await (this.inflight = this.bounded(this.attempt()));
    const beat = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.inflight = this.bounded(this.attempt()).finally(beat);
      }, this.options.ttlMs / 5);
    };
    beat();
  }

  /**
   * A statement given at most a beat (ttl/5). One stuck on a connection that died without a word (a
   * failover that sent no reset) would otherwise hold the beat, and so the lease, for good, and a stop with
   * it. Past that this replica counts as not having renewed (it steps down on its own clock) and goes on.
   */
  private bounded(statement: Promise<unknown>): Promise<void> {
    const beatMs = this.options.ttlMs / 5;
    return within(
      statement.then(() => undefined),
      beatMs,
      () => {
        this.options.log.warn(
          { holder: this.holder },
          `the database did not answer the leader lease within ${beatMs} ms`,
        );
        this.announce();
      },
    );
  }

  isLeader(): boolean {
    return performance.now() < this.leaderUntil;
  }

  /** Runs task only while this replica leads (for cron jobs: every replica schedules, one runs). */
  async whileLeader(task: () => unknown): Promise<boolean> {
    if (!this.isLeader()) return false;
    await task();
    return true;
  }

  /** Called with true when this replica becomes leader and false when it stops being one. */
  onChange(listener: (leader: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Inside a transaction: whether this replica still holds an unexpired lease (always true on SQLite). */
  async holds(tx: Transaction<DatabaseSchema>): Promise<boolean> {
    if (!this.shared) return true;
    const row = await tx
      .selectFrom('leader_lease')
      .select('holder')
      .where('name', '=', LEASE)
      .where('holder', '=', this.holder)
      .where('expires_at', '>', DB_NOW_MS)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Stops renewing and gives the lease up, so that another replica takes over at its next attempt. */
  async release(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inflight; // an attempt under way would otherwise renew what we give up below
    this.leaderUntil = 0;
    this.announce();
    if (!this.shared) return;
    await this.bounded(
      this.db
        .updateTable('leader_lease')
        .set({ expires_at: 0 })
        .where('name', '=', LEASE)
        .where('holder', '=', this.holder)
        .execute()
        .catch((err: unknown) => this.options.log.warn({ err }, 'could not release the leader lease')),
    );
  }

  private async attempt(): Promise<void> {
    const started = performance.now();
    const expiry = sql<number>`${DB_NOW_MS} + ${this.options.ttlMs}`;
    try {
      // Take the row if it is ours or has expired; otherwise the WHERE leaves it alone and nothing returns.
      const row = await this.db
        .insertInto('leader_lease')
        .values({ name: LEASE, holder: this.holder, expires_at: expiry })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet({ holder: this.holder, expires_at: expiry })
            .where((eb) =>
              eb.or([
                eb('leader_lease.holder', '=', this.holder),
                eb('leader_lease.expires_at', '<', DB_NOW_MS),
              ]),
            ),
        )
        .returning('holder')
        .executeTakeFirst();
      // Counted from before the statement ran: the row's expiry is at least this far away.
      this.leaderUntil = row ? started + 0.8 * this.options.ttlMs : 0;
    } catch (err) {
      // Another replica took it in the same instant (serialization failure) or the database is unreachable:
      // a leader keeps what is left of its time and tries again on the next beat.
      this.options.log.debug({ err }, 'leader lease attempt failed');
    }
    this.announce();
  }

  private announce(): void {
    const leader = this.isLeader();
    if (leader === this.announced) return;
    this.announced = leader;
    if (this.shared) {
      if (leader)
        this.options.log.info({ holder: this.holder }, 'became leader: driving escalation and schedules');
      else this.options.log.warn({ holder: this.holder }, 'no longer leader');
    }
    for (const listener of this.listeners) listener(leader);
  }
}
