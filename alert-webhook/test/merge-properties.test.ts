import fc from 'fast-check';
import type { Db } from '../src/db/database';
import { notification, openTempDb } from './helpers';
import { BACKENDS, stopTestPostgres } from './support/backends';
import { mergeHarness } from './support/merge';

afterAll(stopTestPostgres);

/**
 * Property-based tests of merging (issue 23): for any sequence of snapshots of one group — duplicated,
 * reordered, late, resolved-only, mixed — what is stored (incidents, alerts, timeline, queued
 * notifications) equals what a small reference model of the documented rules (alert-webhook/README.md,
 * "Each notification is a full snapshot of its Alertmanager group") computes from the same deliveries.
 */

const BASE = Date.parse('2026-11-22T10:00:00.000Z');
const at = (ms: number) => new Date(BASE + ms).toISOString();
const MINUTE = 60_000;

/** Three fingerprints; two share an alert name, so timeline entries count them ("HighErrorRate ×2"). */
const FINGERPRINTS = [
  { name: 'HighErrorRate', severity: 'warning' },
  { name: 'HighErrorRate', severity: 'critical' },
  { name: 'Latency', severity: 'info' },
] as const;
const SEVERITY_ORDER = ['critical', 'error', 'warning', 'info'];

/** One alert of a snapshot: which fingerprint, which of three occurrences (startsAt), and its state. */
interface AlertDraw {
  fp: number;
  start: number;
  resolved: boolean;
  /** endsAt: 30 s or 60 s after startsAt, or none (Alertmanager's zero time), read as the merge time. */
  end: number;
  /** The model's: a firing draw a later occurrence replaced, ended at that one's start. */
  replacedAt?: string;
}
/** Deliveries merged in one batch (one transaction, one merge time), then minutes until the next batch. */
interface Batch {
  snapshots: AlertDraw[][];
  gapMinutes: number;
}

const alertDraw = fc.record({
  fp: fc.integer({ min: 0, max: FINGERPRINTS.length - 1 }),
  start: fc.integer({ min: 0, max: 2 }),
  resolved: fc.boolean(),
  end: fc.integer({ min: 0, max: 2 }),
});
// Alertmanager sends each alert of a group once per snapshot.
const snapshotDraw = fc.uniqueArray(alertDraw, { minLength: 1, maxLength: 3, selector: (a) => a.fp });
const batchDraw: fc.Arbitrary<Batch> = fc.record({
  snapshots: fc.array(snapshotDraw, { minLength: 1, maxLength: 2 }),
  gapMinutes: fc.constantFrom(1, 4, 20),
});
const scenarioDraw = fc.record({
  batches: fc.array(batchDraw, { minLength: 1, maxLength: 6 }),
  reopenWindowMs: fc.constantFrom(0, 10 * MINUTE),
});

const startsAt = (a: AlertDraw) => at(a.start * MINUTE);
const endsAt = (a: AlertDraw) =>
  a.replacedAt ?? (a.end === 2 ? undefined : at(a.start * MINUTE + (a.end + 1) * 30_000));

interface ModelAlert {
  incident: number;
  fingerprint: string;
  starts_at: string;
  status: 'firing' | 'resolved';
  ends_at: string | null;
  last_seen_at: string;
}
interface ModelIncident {
  status: 'triggered' | 'resolved';
  severity: string;
  title: string;
  opened_at: string;
  updated_at: string;
  resolved_at: string | null;
  resolved_by: string | null;
}
interface ModelEntry {
  incident: number;
  kind: string;
  message: string;
  data: string | null;
}

const rank = (s: string) =>
  SEVERITY_ORDER.indexOf(s) === -1 ? SEVERITY_ORDER.length : SEVERITY_ORDER.indexOf(s);
const highest = (severities: string[]) =>
  severities.reduce<string | undefined>(
    (best, s) => (best === undefined || rank(s) < rank(best) ? s : best),
    undefined,
  ) ?? 'none';

/** The documented merge rules, replayed over plain arrays; incidents are numbered in creation order. */
class Model {
  readonly incidents: ModelIncident[] = [];
  readonly alerts = new Map<string, ModelAlert>();
  readonly timeline: ModelEntry[] = [];
  readonly notifications: string[] = [];

  constructor(
    private readonly prefix: string,
    private readonly reopenWindowMs: number,
  ) {}

  fingerprint = (a: AlertDraw) => `${this.prefix}${a.fp}`;

  /** The earliest start of the fingerprint after `start`, among every occurrence seen. */
  private nextStart(
    fingerprint: string,
    start: string,
    seen: { fingerprint: string; starts_at: string }[] = [],
  ) {
    return [...this.alerts.values(), ...seen]
      .filter((m) => m.fingerprint === fingerprint && m.starts_at > start)
      .map((m) => m.starts_at)
      .sort()[0];
  }

  merge(draws: AlertDraw[], now: string): void {
    // A firing occurrence that a later one of its fingerprint replaced arrives as ended where that began.
    const seen = draws.map((a) => ({ fingerprint: this.fingerprint(a), starts_at: startsAt(a) }));
    const snapshot = draws.map((a): AlertDraw => {
      const next = a.resolved ? undefined : this.nextStart(this.fingerprint(a), startsAt(a), seen);
      return next === undefined ? a : { ...a, resolved: true, replacedAt: next };
    });
    const events = new Map<string, { incident: number; kind: string; alerts: AlertDraw[] }>();
    const event = (incident: number, kind: 'alert_fired' | 'alert_resolved', a: AlertDraw) => {
      const key = `${incident}:${kind}`;
      const e = events.get(key) ?? { incident, kind, alerts: [] };
      e.alerts.push(a);
      events.set(key, e);
    };
    const entries: ModelEntry[] = [];
    const changes: [number, string][] = [];
    const touched = new Set<number>();
    const fresh: AlertDraw[] = [];
    const knownIncidents: number[] = [];
    const key = (a: AlertDraw) => `${this.fingerprint(a)}@${startsAt(a)}`;
    for (const a of snapshot) {
      const known = this.alerts.get(key(a));
      if (!known) {
        fresh.push(a);
        continue;
      }
      knownIncidents.push(known.incident);
      // Resolved is final for an occurrence.
      if (known.status === 'resolved') continue;
      known.last_seen_at = now;
      if (a.resolved) {
        Object.assign(known, { status: 'resolved', ends_at: endsAt(a) ?? now });
        event(known.incident, 'alert_resolved', a);
        touched.add(known.incident);
      }
    }
    if (fresh.length > 0) {
      const open = (i: number) => this.incidents[i]!.status !== 'resolved';
      // The open incident owning alerts of the snapshot (the newest), else the group's open incident.
      let target: number | undefined =
        knownIncidents.filter(open).sort((x, y) => y - x)[0] ?? this.incidents.findIndex((_, i) => open(i));
      if (target === -1) target = undefined;
      if (target === undefined && fresh.some((a) => !a.resolved) && this.reopenWindowMs > 0) {
        const since = new Date(Date.parse(now) - this.reopenWindowMs).toISOString();
        const recent = this.incidents.findLastIndex((i) => i.resolved_at !== null && i.resolved_at >= since);
        if (recent !== -1) {
          target = recent;
          Object.assign(this.incidents[recent]!, {
            status: 'triggered',
            resolved_at: null,
            resolved_by: null,
          });
          entries.push({
            incident: recent,
            kind: 'reopened',
            message: 'fired again within the reopen window',
            data: null,
          });
          changes.push([recent, 'triggered']);
        }
      }
      if (target === undefined) {
        const allResolved = fresh.every((a) => a.resolved);
        // Named by its most urgent alert, of the firing ones when there are.
        const firing = fresh.filter((a) => !a.resolved);
        const lead = (firing.length > 0 ? firing : fresh).reduce((l, a) =>
          rank(FINGERPRINTS[a.fp]!.severity) < rank(FINGERPRINTS[l.fp]!.severity) ? a : l,
        );
        const title = `${FINGERPRINTS[lead.fp]!.name} on api`;
        target = this.incidents.length;
        const openedAt = fresh.map(startsAt).sort()[0]!;
        this.incidents.push({
          status: allResolved ? 'resolved' : 'triggered',
          severity: '',
          title,
          opened_at: openedAt,
          updated_at: now,
          resolved_at: allResolved
            ? resolvedAt(
                fresh.map((a) => endsAt(a) ?? now),
                openedAt,
                now,
              )
            : null,
          resolved_by: allResolved ? 'alertmanager' : null,
        });
        entries.push({
          incident: target,
          kind: 'opened',
          message: allResolved ? `recorded already resolved: ${title}` : title,
          data: null,
        });
        if (!allResolved) changes.push([target, 'triggered']);
      }
      for (const a of fresh) {
        this.alerts.set(key(a), {
          incident: target,
          fingerprint: this.fingerprint(a),
          starts_at: startsAt(a),
          status: a.resolved ? 'resolved' : 'firing',
          ends_at: a.resolved ? (endsAt(a) ?? now) : null,
          last_seen_at: now,
        });
        event(target, a.resolved ? 'alert_resolved' : 'alert_fired', a);
      }
      touched.add(target);
    }
    // Alertmanager holds one alert per fingerprint: in open incidents, an occurrence of a fingerprint the
    // snapshot names stops firing where the next occurrence of it began.
    for (const a of snapshot) {
      const firing = [...this.alerts.values()]
        .filter(
          (m) =>
            m.fingerprint === this.fingerprint(a) &&
            m.status === 'firing' &&
            this.incidents[m.incident]!.status !== 'resolved',
        )
        .sort((x, y) => x.starts_at.localeCompare(y.starts_at));
      for (const m of firing) {
        const next = this.nextStart(m.fingerprint, m.starts_at);
        if (next === undefined) continue;
        Object.assign(m, { status: 'resolved', ends_at: next, last_seen_at: now });
        event(m.incident, 'alert_resolved', a);
        touched.add(m.incident);
      }
    }
    for (const e of events.values()) {
      const counts = new Map<string, number>();
      for (const a of e.alerts)
        counts.set(FINGERPRINTS[a.fp]!.name, (counts.get(FINGERPRINTS[a.fp]!.name) ?? 0) + 1);
      const listed = [...counts].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join(', ');
      const n = e.alerts.length;
      entries.push({
        incident: e.incident,
        kind: e.kind,
        message: `${n} alert${n > 1 ? 's' : ''} ${e.kind === 'alert_fired' ? 'fired' : 'resolved'}: ${listed}`,
        data: JSON.stringify({ fingerprints: e.alerts.map(this.fingerprint) }),
      });
    }
    for (const id of touched) {
      const incident = this.incidents[id]!;
      const own = [...this.alerts.values()].filter((a) => a.incident === id);
      incident.severity = highest(
        own.map((a) => FINGERPRINTS[Number(a.fingerprint.slice(this.prefix.length))]!.severity),
      );
      incident.updated_at = now;
      // An incident resolves by itself when all its alerts have resolved.
      if (incident.status !== 'resolved' && own.every((a) => a.status === 'resolved')) {
        const at = resolvedAt(
          own.map((a) => a.ends_at!),
          incident.opened_at,
          now,
        );
        Object.assign(incident, { status: 'resolved', resolved_at: at, resolved_by: 'alertmanager' });
        entries.push({ incident: id, kind: 'resolved', message: 'all alerts resolved', data: null });
        changes.push([id, 'resolved']);
      }
    }
    this.timeline.push(...entries);
    this.notifications.push(...changes.map(([id, e]) => `${id}:${e}`));
  }
}

/** An incident that resolves by itself does so at its last alert's end, kept within its opening and now. */
const resolvedAt = (ends: string[], openedAt: string, now: string) => {
  const last = [openedAt, ...ends].sort().at(-1)!;
  return last < now ? last : now;
};

const payload = (snapshot: AlertDraw[], prefix: string, groupKey: string) =>
  notification(
    snapshot.map((a) => ({
      fingerprint: `${prefix}${a.fp}`,
      name: FINGERPRINTS[a.fp]!.name,
      labels: { severity: FINGERPRINTS[a.fp]!.severity },
      status: a.resolved ? ('resolved' as const) : ('firing' as const),
      startsAt: startsAt(a),
      endsAt: endsAt(a) ?? '0001-01-01T00:00:00Z',
    })),
    { groupKey },
  );

describe.each(BACKENDS)('merging on %s, against the reference model', (backend) => {
  let db: Db;
  let close: () => Promise<void>;
  beforeAll(async () => ({ db, close } = await openTempDb(backend)));
  afterAll(() => close());
  const { merge } = mergeHarness(() => db);
  let runs = 0;

  /** What is stored for one group, incidents numbered by id order as the model numbers them. */
  async function stored(groupKey: string) {
    const incidents = await db
      .selectFrom('incidents')
      .selectAll()
      .where('group_key', '=', groupKey)
      .orderBy('id')
      .execute();
    const ordinal = new Map(incidents.map((i, n) => [i.id, n]));
    const ids = incidents.length === 0 ? [-1] : incidents.map((i) => i.id);
    const alerts = await db
      .selectFrom('alerts')
      .selectAll()
      .where('incident_id', 'in', ids)
      .orderBy('id')
      .execute();
    const timeline = await db
      .selectFrom('timeline')
      .select(['incident_id', 'kind', 'message', 'data', 'actor'])
      .where('incident_id', 'in', ids)
      .orderBy('id')
      .execute();
    const notifications = await db
      .selectFrom('notifications')
      .select(['incident_id', 'event'])
      .where('incident_id', 'in', ids)
      .orderBy('id')
      .execute();
    return {
      incidents: incidents.map((i) => ({
        status: i.status,
        severity: i.severity,
        title: i.title,
        opened_at: i.opened_at,
        updated_at: i.updated_at,
        resolved_at: i.resolved_at,
        resolved_by: i.resolved_by,
        acknowledged_at: i.acknowledged_at,
        acknowledged_by: i.acknowledged_by,
      })),
      alerts: alerts
        .map((a) => ({
          incident: ordinal.get(a.incident_id)!,
          fingerprint: a.fingerprint,
          starts_at: a.starts_at,
          status: a.status,
          ends_at: a.ends_at,
          last_seen_at: a.last_seen_at,
        }))
        .sort(byOccurrence),
      timeline: timeline.map((t) => ({
        incident: ordinal.get(t.incident_id)!,
        kind: t.kind,
        message: t.message,
        data: t.data,
        actor: t.actor,
      })),
      notifications: notifications.map((n) => `${ordinal.get(n.incident_id)}:${n.event}`),
    };
  }
  const byOccurrence = (a: { fingerprint: string; starts_at: string }, b: typeof a) =>
    `${a.fingerprint}@${a.starts_at}`.localeCompare(`${b.fingerprint}@${b.starts_at}`);

  it('stores what the model computes, for any sequence of deliveries', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioDraw, async ({ batches, reopenWindowMs }) => {
        // Each run its own group and fingerprints, on one database per backend.
        const run = ++runs;
        const prefix = `r${run}-`;
        const groupKey = `{}:{run="${run}"}`;
        const model = new Model(prefix, reopenWindowMs);
        let clock = 10 * MINUTE;
        for (const batch of batches) {
          const now = at(clock);
          await merge(
            batch.snapshots.map((s) => payload(s, prefix, groupKey)),
            { now, reopenWindowMs },
          );
          for (const s of batch.snapshots) model.merge(s, now);
          clock += batch.gapMinutes * MINUTE;
        }
        const actual = await stored(groupKey);
        expect(actual).toEqual({
          incidents: model.incidents.map((i) => ({ ...i, acknowledged_at: null, acknowledged_by: null })),
          alerts: [...model.alerts.values()].sort(byOccurrence),
          timeline: model.timeline.map((t) => ({ ...t, actor: 'alertmanager' })),
          notifications: model.notifications,
        });

        // Whatever the order of arrival, an occurrence ends resolved exactly when some delivery resolved
        // it: the same as replaying the deliveries in startsAt order.
        const inOrder = new Model(prefix, reopenWindowMs);
        const all = batches.flatMap((b) => b.snapshots).flat();
        for (const a of [...all].sort((x, y) => x.start - y.start || Number(x.resolved) - Number(y.resolved)))
          inOrder.merge([a], at(clock));
        const states = (alerts: Iterable<{ fingerprint: string; starts_at: string; status: string }>) =>
          [...alerts].map((a) => `${a.fingerprint}@${a.starts_at}:${a.status}`).sort();
        expect(states(actual.alerts)).toEqual(states(inOrder.alerts.values()));
      }),
      { numRuns: backend === 'sqlite' ? 60 : 30 },
    );
  }, 120_000);
});
