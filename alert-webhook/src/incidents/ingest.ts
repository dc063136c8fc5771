import type { Transaction } from 'kysely';
import { ALERT_FIELDS } from '@vigil/api-contract';
import { lockGroups, mergeTransaction } from '../db/merge-locks';
import type { Db } from '../db/database';
import type { DatabaseSchema } from '../db/schema';
import { alertFingerprint, normaliseTime, type WebhookAlert, type WebhookPayload } from '../webhook/payload';
import { boundExtra } from './extra';
import { decideAlert, highestSeverity, leadAlert } from './rules';
import { route, type MatchedRoute, type RoutingTree } from '../routing/tree';
import type { EscalationPolicy } from '../escalation/policy';
import { age, chunks, MergeState, occurrenceKey, type IncidentState, type NewAlert } from './merge-state';
import { MergeWrites, SYSTEM_ACTOR } from './merge-writes';
import {
  correlationOf,
  joinCorrelated,
  lockCorrelations,
  noteLikelyCause,
  type Correlation,
} from './correlation';

type Tx = Transaction<DatabaseSchema>;
type MergeContext = MergeOptions & { now: string };
/** A snapshot's alert as a row to store, beside the alert as sent. */
type FreshAlert = { row: NewAlert; alert: WebhookAlert };
type Incoming = Map<string, FreshAlert>;

/** What merging needs from the configuration. */
export interface MergeOptions {
  reopenWindowMs: number;
  routing: RoutingTree;
  policies: ReadonlyMap<string, EscalationPolicy>;
}

export interface IngestResult {
  /** Incidents this snapshot created or changed. */
  incidentIds: number[];
  opened: number;
  resolved: number;
  /** Status changes that others react to (notifications, escalation). */
  changes: number;
}

/** The fields an alert carries beyond webhook v4, in their order: most carry none, so no array per field. */
function extraFields(alert: WebhookAlert): [string, unknown][] {
  const extra: [string, unknown][] = [];
  for (const name in alert) {
    if (Object.hasOwn(alert, name) && !ALERT_FIELDS.has(name)) extra.push([name, alert[name]]);
  }
  return extra;
}

function toRow(alert: WebhookAlert, now: string): NewAlert {
  const extra = extraFields(alert);
  return {
    fingerprint: alertFingerprint(alert),
    starts_at: normaliseTime(alert.startsAt) ?? now,
    // A firing alert's endsAt is Alertmanager's guess at its expiry, not an end: not parsed nor kept.
    ends_at: alert.status === 'resolved' ? (normaliseTime(alert.endsAt) ?? now) : null,
    status: alert.status,
    severity: alert.labels.severity ?? 'none',
    labels: JSON.stringify(alert.labels),
    annotations: JSON.stringify(alert.annotations),
    generator_url: alert.generatorURL ?? null,
    extra: extra.length === 0 ? '{}' : JSON.stringify(boundExtra(extra)),
    last_seen_at: now,
  };
}

/**
 * What an opening incident is: named, owned and routed by its lead alert (rules.ts), so that a critical
 * alert among warnings takes the critical route, its channels and its escalation.
 */
function describeIncident(payload: WebhookPayload, fresh: FreshAlert[], routing: RoutingTree) {
  // Of the firing ones when there are: a resolved alert recorded with them does not decide the route.
  const firing = fresh.filter((f) => f.row.status === 'firing');
  const lead = leadAlert((firing.length > 0 ? firing : fresh).map((f) => f.alert));
  const labelsOf = (a: WebhookAlert) => ({ ...a.labels, ...payload.commonLabels });
  const labels = labelsOf(lead);
  const title =
    payload.commonAnnotations.summary ??
    lead.annotations.summary ??
    labels.alertname ??
    (Object.entries(payload.groupLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ') ||
      payload.groupKey);
  // As Alertmanager routes an alert: more than one route with continue.
  const taken = route(routing, labels);
  return {
    service: labels.service ?? null,
    // The alert's own team label wins; otherwise the team of the first route it took.
    team: labels.team ?? (taken[0] as MatchedRoute).team,
    component: labels.component ?? null,
    title,
    route: JSON.stringify(taken),
  };
}

function openIncident(
  state: MergeState,
  payload: WebhookPayload,
  fresh: FreshAlert[],
  options: MergeContext & { correlation: Correlation | undefined },
): IncidentState {
  const rows = fresh.map((f) => f.row);
  const allResolved = rows.every((r) => r.status === 'resolved');
  const openedAt = rows.map((r) => r.starts_at).reduce((a, b) => (a < b ? a : b));
  return state.open({
    receiver: payload.receiver,
    group_key: payload.groupKey,
    status: allResolved ? 'resolved' : 'triggered',
    severity: highestSeverity(rows.map((r) => r.severity)),
    ...describeIncident(payload, fresh, options.routing),
    group_labels: JSON.stringify(payload.groupLabels),
    common_labels: JSON.stringify(payload.commonLabels),
    external_url: payload.externalURL || null,
    opened_at: openedAt,
    updated_at: options.now,
    acknowledged_at: null,
    acknowledged_by: null,
    first_acknowledged_at: null,
    resolved_at: allResolved
      ? lastEnd(
          rows.map((r) => r.ends_at),
          openedAt,
          options.now,
        )
      : null,
    resolved_by: allResolved ? SYSTEM_ACTOR : null,
    assignee: null,
    flapping_since: null,
    correlation_key: options.correlation?.key ?? null,
    likely_cause: null,
  });
}

/** A snapshot's alerts as rows, one per occurrence (fingerprint + startsAt). */
function incomingAlerts(payload: WebhookPayload, now: string): Incoming {
  const incoming: Incoming = new Map();
  for (const alert of payload.alerts) {
    const row = toRow(alert, now);
    incoming.set(occurrenceKey(row), { row, alert });
  }
  return incoming;
}

/**
 * Merges one Alertmanager notification (a full snapshot of its group) into the batch's state, recording
 * the writes it makes. Applying the same snapshot twice, or an older one after a newer one, changes nothing.
 */
function mergeSnapshot(
  state: MergeState,
  writes: MergeWrites,
  { payload, incoming }: { payload: WebhookPayload; incoming: Incoming },
  options: MergeContext,
): { touched: Set<IncidentState>; opened: number; resolved: number; changes: number } {
  const { now } = options;
  const changesBefore = writes.changes.length;
  const alertEvents = new AlertEvents();
  const touched = new Set<IncidentState>();
  const fresh: FreshAlert[] = [];
  const known: IncidentState[] = [];
  for (const { row } of incoming.values()) state.noteStart(row.fingerprint, row.starts_at);
  for (const [key, item] of incoming) {
    // A late delivery of an occurrence that a later one replaced: it ended where that one began.
    const replacedAt =
      item.row.status === 'firing' && state.nextStart(item.row.fingerprint, item.row.starts_at);
    if (replacedAt) {
      item.row = { ...item.row, status: 'resolved', ends_at: replacedAt };
      // The delivered alert too, which correlation and the likely cause read: it is not firing.
      Object.assign(item.alert, { status: 'resolved', endsAt: replacedAt });
    }
    const stored = state.alerts.get(key);
    if (stored) known.push(stored.incident);
    const decision = decideAlert(stored?.status, item.row.status);
    if (decision === 'new') fresh.push(item);
    else if (decision === 'resolve' && stored) {
      writes.changeAlert(stored, item.row, {
        status: 'resolved',
        ends_at: item.row.ends_at,
        last_seen_at: now,
      });
      alertEvents.add(stored.incident, 'alert_resolved', item.alert);
      touched.add(stored.incident);
    } else if (decision === 'refresh' && stored) {
      writes.changeAlert(stored, item.row, { annotations: item.row.annotations, last_seen_at: now });
    }
  }

  let opened = 0;
  if (fresh.length > 0) {
    let target = findOpenIncident(state, payload, known);
    if (target === undefined && fresh.some((f) => f.row.status === 'firing')) {
      target = reopenRecent(state, payload, options, writes);
      if (target !== undefined) writes.changes.push({ incident: target, change: 'reopened' });
    }
    // The one point where a group opens an incident: a correlation rule may join it to another instead.
    const correlation = target === undefined ? correlationOf(payload, options.routing) : undefined;
    if (correlation) {
      const alerts = fresh.map((f) => f.alert);
      target = joinCorrelated(state, writes, correlation, payload, alerts, now);
    }
    if (target === undefined) {
      target = openIncident(state, payload, fresh, { ...options, correlation });
      opened = target.row.status === 'resolved' ? 0 : 1;
      if (opened) writes.changes.push({ incident: target, change: 'opened' });
      writes.timeline.push({
        incident: target,
        kind: 'opened',
        message:
          target.row.status === 'resolved'
            ? `recorded already resolved: ${target.row.title}`
            : target.row.title,
        data: null,
      });
    }
    for (const f of fresh) {
      state.addAlert(target, f.row);
      alertEvents.add(target, f.row.status === 'firing' ? 'alert_fired' : 'alert_resolved', f.alert);
    }
    noteLikelyCause(
      target,
      fresh.map((f) => f.alert),
      writes,
    );
    touched.add(target);
  }

  supersede(state, writes, incoming, { events: alertEvents, touched, now });
  writes.timeline.push(...alertEvents.entries());
  let resolved = 0;
  for (const incident of touched) {
    if (refreshIncident(incident, now, writes)) {
      resolved += 1;
      writes.changes.push({ incident, change: 'resolved' });
    }
  }
  return { touched, opened, resolved, changes: writes.changes.length - changesBefore };
}

/**
 * Alertmanager holds one alert per fingerprint: a later occurrence (startsAt) replaces an earlier one, and
 * the earlier one's resolution is then never sent (it re-fired within group_interval). So in open
 * incidents an occurrence of a fingerprint the snapshot names stops firing where the next one began.
 */
function supersede(
  state: MergeState,
  writes: MergeWrites,
  incoming: Incoming,
  { events, touched, now }: { events: AlertEvents; touched: Set<IncidentState>; now: string },
): void {
  const named = new Map<string, FreshAlert>();
  for (const item of incoming.values()) named.set(item.row.fingerprint, item);
  // In the snapshot's order, as the timeline lists them. (Superseding keeps one occurrence of a fingerprint
  // firing at a time; more come only from rows stored before it.)
  for (const [fingerprint, item] of named) {
    for (const alert of state.occurrencesOf(fingerprint)) {
      if (alert.status !== 'firing' || alert.incident.row.status === 'resolved') continue;
      const replacedAt = state.nextStart(fingerprint, alert.startsAt);
      if (replacedAt === undefined) continue;
      writes.changeAlert(
        alert,
        { ...item.row, starts_at: alert.startsAt },
        { status: 'resolved', ends_at: replacedAt, last_seen_at: now },
      );
      events.add(alert.incident, 'alert_resolved', item.alert);
      touched.add(alert.incident);
    }
  }
}

/**
 * One timeline entry per incident and kind for a snapshot ("3 alerts fired: A, B ×2"), listing each alert
 * in its data: a storm of a thousand alerts is one readable event, not a thousand rows.
 */
class AlertEvents {
  private readonly groups = new Map<
    string,
    { incident: IncidentState; kind: string; alerts: WebhookAlert[] }
  >();

  add(incident: IncidentState, kind: 'alert_fired' | 'alert_resolved', alert: WebhookAlert): void {
    const key = `${incident.id}:${kind}`;
    const group = this.groups.get(key) ?? { incident, kind, alerts: [] };
    group.alerts.push(alert);
    this.groups.set(key, group);
  }

  entries(): MergeWrites['timeline'] {
    return [...this.groups.values()].map(({ incident, kind, alerts }) => {
      const names = new Map<string, number>();
      for (const a of alerts) {
        const name = a.labels.alertname ?? alertFingerprint(a);
        names.set(name, (names.get(name) ?? 0) + 1);
      }
      const listed = [...names].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join(', ');
      const verb = kind === 'alert_fired' ? 'fired' : 'resolved';
      return {
        incident,
        kind,
        message: `${alerts.length} alert${alerts.length > 1 ? 's' : ''} ${verb}: ${listed}`,
        // Fingerprints only: the labels are on the incident's alerts already.
        data: JSON.stringify({ fingerprints: alerts.map(alertFingerprint) }),
      };
    });
  }
}

/** The open incident that owns alerts of this snapshot (the newest), else the group's open incident. */
function findOpenIncident(state: MergeState, payload: WebhookPayload, owners: IncidentState[]) {
  const open = (i: IncidentState) => i.row.status !== 'resolved';
  const owner = [...new Set(owners)].filter(open).sort((a, b) => age(b) - age(a))[0];
  return owner ?? state.ofGroup(payload.receiver, payload.groupKey).find(open);
}

function reopenRecent(
  state: MergeState,
  payload: WebhookPayload,
  options: MergeContext,
  writes: MergeWrites,
): IncidentState | undefined {
  if (options.reopenWindowMs <= 0) return undefined;
  const since = reopenSince(options) as string;
  const recent = state
    .ofGroup(payload.receiver, payload.groupKey)
    .find((i) => i.row.status === 'resolved' && (i.row.resolved_at ?? '') >= since);
  if (!recent) return undefined;
  Object.assign(recent.row, {
    status: 'triggered',
    resolved_at: null,
    resolved_by: null,
    acknowledged_at: null,
    acknowledged_by: null,
  });
  recent.changed = true;
  writes.timeline.push({
    incident: recent,
    kind: 'reopened',
    message: 'fired again within the reopen window',
    data: null,
  });
  return recent;
}

/** Since when a resolved incident reopens instead of a new one opening; undefined without a window. */
function reopenSince(options: MergeContext): string | undefined {
  if (options.reopenWindowMs <= 0) return undefined;
  return new Date(Date.parse(options.now) - options.reopenWindowMs).toISOString();
}

/**
 * When an incident whose alerts have all ended resolved: as its opening is its first alert's start, the
 * last alert's end (Alertmanager's endsAt), not when the news came, which a resolve notification brings up
 * to group_interval later (and a retried delivery later still). Kept within opened_at and now: a sender's
 * clock can be off.
 */
function lastEnd(ends: (string | null)[], openedAt: string, now: string): string {
  const end = ends.reduce<string>((last, e) => (e !== null && e > last ? e : last), openedAt);
  return end < now ? end : now;
}

/** Recomputes severity and auto-resolves an incident whose alerts have all resolved; true if it resolved now. */
function refreshIncident(incident: IncidentState, now: string, writes: MergeWrites): boolean {
  const { alerts, row } = incident;
  const autoResolve = row.status !== 'resolved' && alerts.every((a) => a.status === 'resolved');
  row.severity = highestSeverity(alerts.map((a) => a.severity));
  row.updated_at = now;
  if (autoResolve) {
    const resolvedAt = lastEnd(
      alerts.map((a) => a.endsAt),
      row.opened_at,
      now,
    );
    Object.assign(row, { status: 'resolved', resolved_at: resolvedAt, resolved_by: SYSTEM_ACTOR });
  }
  incident.changed = true;
  if (autoResolve) {
    writes.timeline.push({ incident, kind: 'resolved', message: 'all alerts resolved', data: null });
  }
  return autoResolve;
}

/**
 * Merges snapshots, in order, inside the caller's transaction: reads what they touch, merges in memory,
 * writes the outcome back (see merge-state.ts). One result per snapshot.
 */
export async function mergeSnapshots(
  tx: Tx,
  payloads: WebhookPayload[],
  options: MergeContext,
): Promise<IngestResult[]> {
  const snapshots = payloads.map((payload) => ({ payload, incoming: incomingAlerts(payload, options.now) }));
  const occurrences = snapshots.flatMap((s) => [...s.incoming.values()].map((i) => i.row));
  const groups = payloads.map((p) => ({ receiver: p.receiver, groupKey: p.groupKey }));
  const correlationKeys = payloads.flatMap((p) => correlationOf(p, options.routing)?.key ?? []);
  const state = await MergeState.load(tx, groups, occurrences, reopenSince(options), correlationKeys);
  const writes = new MergeWrites();
  const merged = snapshots.map((snapshot) => mergeSnapshot(state, writes, snapshot, options));
  await writes.write(tx, state, { now: options.now, policies: options.policies });
  return merged.map(({ touched, ...counts }) => ({ incidentIds: [...touched].map((i) => i.id), ...counts }));
}

export interface Snapshot {
  payload: WebhookPayload;
  /** The inbox row it came from, marked processed in the same transaction. */
  inboxId?: number;
}

/**
 * Merges snapshots in order inside one transaction (a batch amortises the commit), retrying when a
 * concurrent writer (another replica) won a race. Marking the inbox rows in the same transaction means a
 * crash can neither lose nor double-apply a snapshot.
 */
export async function ingest(
  db: Db,
  snapshots: Snapshot[],
  options: MergeOptions & { now?: string },
): Promise<IngestResult[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const now = options.now ?? new Date().toISOString();
      return await mergeTransaction(db).execute(async (tx) => {
        await lockGroups(tx, snapshots);
        await lockCorrelations(tx, snapshots, options.routing);
        const results = await mergeSnapshots(
          tx,
          snapshots.map((s) => s.payload),
          { ...options, now },
        );
        const inboxIds = snapshots.flatMap((s) => (s.inboxId === undefined ? [] : [s.inboxId]));
        for (const part of chunks(inboxIds)) {
          await tx.updateTable('inbox').set({ processed_at: now }).where('id', 'in', part).execute();
        }
        return results;
      });
    } catch (err) {
      if (attempt >= 5 || !lostRace(err)) throw err;
    }
  }
}

/**
 * A concurrent writer won: a unique-constraint collision, or on PostgreSQL (several replicas) a
 * serialization failure or deadlock. Running the transaction again sees what the winner committed.
 */
export function lostRace(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505' || code === '40001' || code === '40P01';
}
