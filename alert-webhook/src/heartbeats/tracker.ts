import type { Transaction } from 'kysely';
import type { Db } from '../db/database';
import type { DatabaseSchema } from '../db/schema';
import { matchesAll } from '../routing/matchers';
import type { DeliveryHead, WebhookAlert, WebhookPayload } from '../webhook/payload';
import { heartbeatDelivery, heartbeatGroupKey, retiredDelivery } from './alert';
import type { HeartbeatSettings } from './config';

type Store = (raw: string, payload: WebhookPayload) => Promise<unknown>;

interface Beat {
  heartbeat: string;
  source: string;
  labels: string;
}

/** The source label values of an alert, as one key: absent labels count as empty, as in Prometheus. */
function sourceOf(heartbeat: HeartbeatSettings, alert: WebhookAlert): Record<string, string> {
  return Object.fromEntries([...heartbeat.source_labels].sort().map((l) => [l, alert.labels[l] ?? '']));
}

const later = (a: string, b: string) => (a > b ? a : b);
/** last_received_at of a source expected but never heard from (its series reads 0, as Prometheus's do). */
const NEVER = new Date(0).toISOString();
const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

/**
 * A dead man's switch for the alerting pipeline, as Alerta's heartbeats and Healthchecks.io: heartbeat
 * alerts (always firing, like Watchdog) are taken out of deliveries and recorded per source label set;
 * a source not heard from within its timeout opens an incident through routing, resolved when it is heard
 * from again. Only the leader checks (check()); any replica records.
 */
export class Heartbeats {
  constructor(
    private readonly db: Db,
    private readonly heartbeats: readonly HeartbeatSettings[],
    /** Stores a delivery in the inbox, to be merged into incidents as Alertmanager's are. */
    private readonly store: Store,
    private readonly options: {
      /** Nothing counts as missing before this long after `since`: the receiver may just have started. */
      since: string;
      /** Checked inside the check's transaction: with several replicas, only the lease holder commits. */
      leads?: (tx: Transaction<DatabaseSchema>) => Promise<boolean>;
    },
  ) {}

  /** Whether any alert of the delivery is a heartbeat's, firing or resolved: only then has receive() work. */
  claims(head: DeliveryHead): boolean {
    return head.alerts.some((alert) => this.heartbeats.some((h) => matchesAll(h.matchers, alert.labels)));
  }

  /**
   * Records the delivery's heartbeat alerts as received at `at` and returns the delivery without them
   * (undefined when nothing else is left). Resolved heartbeat alerts are dropped too: only firing ones beat.
   */
  async receive(payload: WebhookPayload, at: string): Promise<WebhookPayload | undefined> {
    if (this.heartbeats.length === 0) return payload;
    const beats: Beat[] = [];
    const rest = payload.alerts.filter((alert) => {
      const matched = this.heartbeats.filter((h) => matchesAll(h.matchers, alert.labels));
      if (alert.status === 'firing') {
        for (const h of matched) {
          const labels = JSON.stringify(sourceOf(h, alert));
          beats.push({ heartbeat: h.name, source: labels, labels });
        }
      }
      return matched.length === 0;
    });
    if (beats.length > 0) await this.record(beats, at);
    if (rest.length === payload.alerts.length) return payload;
    return rest.length === 0 ? undefined : { ...payload, alerts: rest };
  }

  private async record(beats: Beat[], at: string): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      for (const beat of beats) {
        await tx
          .insertInto('heartbeat_sources')
          .values({ ...beat, last_received_at: at, missing_since: null })
          .onConflict((oc) =>
            oc
              .columns(['heartbeat', 'source'])
              .doUpdateSet({ last_received_at: at })
              .where('heartbeat_sources.last_received_at', '<', at),
          )
          .execute();
      }
    });
  }

  /**
   * Opens an incident for each source gone quiet past its timeout, and resolves those heard from again. A
   * heartbeat without source_labels has one source, expected from the start: never heard from, it is due
   * `timeout` after the receiver started (a Watchdog route broken from day one, a fresh database).
   */
  async check(now: string): Promise<number> {
    let changes = await this.retire(now);
    for (const heartbeat of this.heartbeats) {
      const expected = heartbeat.source_labels.length === 0;
      const read = () =>
        this.db.selectFrom('heartbeat_sources').selectAll().where('heartbeat', '=', heartbeat.name).execute();
      let rows = await read();
      if (rows.length === 0 && expected) {
        await this.db
          .insertInto('heartbeat_sources')
          .values({
            heartbeat: heartbeat.name,
            source: '{}',
            labels: '{}',
            last_received_at: NEVER,
            missing_since: null,
          })
          .onConflict((oc) => oc.columns(['heartbeat', 'source']).doNothing())
          .execute();
        rows = await read(); // a beat recorded meanwhile wins
      }
      for (const row of rows) {
        const source = JSON.parse(row.labels) as Record<string, string>;
        const key = { heartbeat: row.heartbeat, source: row.source };
        if (row.missing_since === null) {
          const due = plus(later(row.last_received_at, this.options.since), heartbeat.timeout);
          if (due > now) continue;
          // Stored first: should the state not follow (a crash), the next check stores the same occurrence
          // again, which merges into the same incident.
          await this.deliver(heartbeatDelivery(heartbeat, source, due));
          const marked = await this.update(key, due, { missing_since: null, last: row.last_received_at });
          if (marked === 'not_leader') return changes; // the next leader stores the same occurrence again
          // A beat arrived meanwhile: the outage is over already.
          if (marked === 'changed') await this.deliver(heartbeatDelivery(heartbeat, source, due, now));
          changes += 1;
        } else if (row.last_received_at > row.missing_since) {
          await this.deliver(heartbeatDelivery(heartbeat, source, row.missing_since, row.last_received_at));
          await this.update(key, null, { missing_since: row.missing_since });
          changes += 1;
        } else if (!expected && plus(row.last_received_at, heartbeat.forget_after) <= now) {
          if ((await this.forget(key, source, row)) === 'not_leader') return changes;
        }
      }
    }
    return changes;
  }

  /**
   * Sources of heartbeats no longer configured (renamed or removed by a reload): their alerts still firing
   * are resolved, or their incidents would stay open with nothing to end them, and the rows forgotten.
   */
  private async retire(now: string): Promise<number> {
    const names = this.heartbeats.map((h) => h.name);
    let query = this.db.selectFrom('heartbeat_sources').selectAll();
    if (names.length > 0) query = query.where('heartbeat', 'not in', names);
    const rows = await query.execute();
    for (const row of rows) {
      const source = JSON.parse(row.labels) as Record<string, string>;
      const firing = await this.db
        .selectFrom('alerts')
        .innerJoin('incidents', 'incidents.id', 'alerts.incident_id')
        .select(['alerts.labels', 'alerts.annotations', 'alerts.starts_at'])
        .where('incidents.group_key', '=', heartbeatGroupKey(row.heartbeat, source))
        .where('alerts.status', '=', 'firing')
        .execute();
      // Stored before the row goes: after a crash between the two, the next check stores it again.
      if (firing.length > 0) {
        const alerts = firing.map((a) => ({
          labels: JSON.parse(a.labels) as Record<string, string>,
          annotations: JSON.parse(a.annotations) as Record<string, string>,
          startsAt: a.starts_at,
        }));
        await this.deliver(retiredDelivery(row.heartbeat, source, alerts, now));
      }
      const gone = await this.db.transaction().execute(async (tx) => {
        if (this.options.leads && !(await this.options.leads(tx))) return false;
        await tx
          .deleteFrom('heartbeat_sources')
          .where('heartbeat', '=', row.heartbeat)
          .where('source', '=', row.source)
          .execute();
        return true;
      });
      if (!gone) break;
    }
    return rows.length;
  }

  /** Source rows of every configured heartbeat, for the metrics. */
  async sources(): Promise<
    { heartbeat: string; labels: Record<string, string>; lastReceivedAt: string; missing: boolean }[]
  > {
    const names = this.heartbeats.map((h) => h.name);
    if (names.length === 0) return [];
    const rows = await this.db
      .selectFrom('heartbeat_sources')
      .select(['heartbeat', 'labels', 'last_received_at', 'missing_since'])
      .where('heartbeat', 'in', names)
      .execute();
    return rows.map((r) => ({
      heartbeat: r.heartbeat,
      labels: JSON.parse(r.labels) as Record<string, string>,
      lastReceivedAt: r.last_received_at,
      missing: r.missing_since !== null,
    }));
  }

  private deliver(payload: WebhookPayload) {
    return this.store(JSON.stringify(payload), payload);
  }

  /**
   * Drops a source silent past forget_after (a replica taken away), unless its incident is still open:
   * someone should see that one to its end. Its series go with the row. Only if the row is as it was read.
   */
  private async forget(
    key: { heartbeat: string; source: string },
    source: Record<string, string>,
    was: { missing_since: string | null; last_received_at: string },
  ): Promise<'forgotten' | 'kept' | 'not_leader'> {
    return this.db.transaction().execute(async (tx) => {
      if (this.options.leads && !(await this.options.leads(tx))) return 'not_leader';
      const open = await tx
        .selectFrom('incidents')
        .select('id')
        .where('group_key', '=', heartbeatGroupKey(key.heartbeat, source))
        .where('status', '<>', 'resolved')
        .executeTakeFirst();
      if (open) return 'kept';
      await tx
        .deleteFrom('heartbeat_sources')
        .where('heartbeat', '=', key.heartbeat)
        .where('source', '=', key.source)
        .where('missing_since', '=', was.missing_since as string)
        .where('last_received_at', '=', was.last_received_at)
        .execute();
      return 'forgotten';
    });
  }

  /** Sets missing_since if the row is still as it was read (`was`) and this replica still leads. */
  private async update(
    key: { heartbeat: string; source: string },
    missingSince: string | null,
    was: { missing_since: string | null; last?: string },
  ): Promise<'updated' | 'changed' | 'not_leader'> {
    return this.db.transaction().execute(async (tx) => {
      if (this.options.leads && !(await this.options.leads(tx))) return 'not_leader';
      let q = tx
        .updateTable('heartbeat_sources')
        .set({ missing_since: missingSince })
        .where('heartbeat', '=', key.heartbeat)
        .where('source', '=', key.source)
        .where('missing_since', was.missing_since === null ? 'is' : '=', was.missing_since);
      if (was.last !== undefined) q = q.where('last_received_at', '=', was.last);
      const result = await q.executeTakeFirst();
      return Number(result.numUpdatedRows) > 0 ? 'updated' : 'changed';
    });
  }
}
