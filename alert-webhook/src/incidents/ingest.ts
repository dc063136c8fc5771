import { NoResultError, type Transaction } from 'kysely';
import { lockGroups, mergeTransaction } from '../db/merge-locks';
import type { Db } from '../db/database';
import type { AlertTable, DatabaseSchema, IncidentStatus, IncidentTable } from '../db/schema';
import { alertFingerprint, normaliseTime, type WebhookAlert, type WebhookPayload } from '../webhook/payload';
import { boundExtra } from './extra';
import { decideAlert, highestSeverity } from './rules';
import { route, type RoutingTree } from '../routing/tree';
import type { EscalationPolicy } from '../escalation/policy';
import { react, type IncidentChange } from './reactions';

type Tx = Transaction<DatabaseSchema>;
type NewAlert = Omit<AlertTable, 'id' | 'incident_id'>;
type TimelineEntry = { incident_id: number; kind: string; message: string; data: string | null };

const SYSTEM_ACTOR = 'alertmanager';
const CHUNK = 400;
const KNOWN_ALERT_FIELDS = new Set([
  'status',
  'labels',
  'annotations',
  'startsAt',
  'endsAt',
  'generatorURL',
  'fingerprint',
]);

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

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function toRow(alert: WebhookAlert, now: string): NewAlert {
  const extra = boundExtra(Object.entries(alert).filter(([k]) => !KNOWN_ALERT_FIELDS.has(k)));
  const endsAt = normaliseTime(alert.endsAt);
  return {
    fingerprint: alertFingerprint(alert),
    starts_at: normaliseTime(alert.startsAt) ?? now,
    ends_at: alert.status === 'resolved' ? (endsAt ?? now) : null,
    status: alert.status,
    severity: alert.labels.severity ?? 'none',
    labels: JSON.stringify(alert.labels),
    annotations: JSON.stringify(alert.annotations),
    generator_url: alert.generatorURL ?? null,
    extra: JSON.stringify(extra),
    last_seen_at: now,
  };
}

const occurrenceKey = (a: { fingerprint: string; starts_at: string }) =>
  `${a.fingerprint}\u0000${a.starts_at}`;

function describeIncident(payload: WebhookPayload, first: WebhookAlert, routing: RoutingTree) {
  const labels = { ...first.labels, ...payload.commonLabels };
  const title =
    payload.commonAnnotations.summary ??
    first.annotations.summary ??
    labels.alertname ??
    (Object.entries(payload.groupLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ') ||
      payload.groupKey);
  const routes = route(routing, labels);
  return {
    service: labels.service ?? null,
    // The alert's own team label wins; otherwise the team of the first route it took.
    team: labels.team ?? routes[0]?.team ?? null,
    component: labels.component ?? null,
    title,
    route: JSON.stringify(routes),
  };
}

async function createIncident(
  tx: Tx,
  payload: WebhookPayload,
  rows: NewAlert[],
  firstAlert: WebhookAlert,
  options: MergeOptions & { now: string },
): Promise<IncidentTable & { id: number }> {
  const allResolved = rows.every((r) => r.status === 'resolved');
  const values = {
    receiver: payload.receiver,
    group_key: payload.groupKey,
    status: allResolved ? ('resolved' as const) : ('triggered' as const),
    severity: highestSeverity(rows.map((r) => r.severity)),
    ...describeIncident(payload, firstAlert, options.routing),
    group_labels: JSON.stringify(payload.groupLabels),
    common_labels: JSON.stringify(payload.commonLabels),
    external_url: payload.externalURL || null,
    opened_at: rows.map((r) => r.starts_at).reduce((a, b) => (a < b ? a : b)),
    updated_at: options.now,
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: allResolved ? options.now : null,
    resolved_by: allResolved ? SYSTEM_ACTOR : null,
    assignee: null,
  };
  return (await tx
    .insertInto('incidents')
    .values(values)
    .returningAll()
    .executeTakeFirstOrThrow()) as IncidentTable & {
    id: number;
  };
}

/**
 * Merges one Alertmanager notification (a full snapshot of its group) into incidents, inside one
 * transaction. Applying the same snapshot twice, or an older one after a newer one, changes nothing.
 */
export async function ingestSnapshot(
  tx: Tx,
  payload: WebhookPayload,
  options: MergeOptions & { now: string },
): Promise<IngestResult> {
  const { now } = options;
  const incoming = new Map<string, { row: NewAlert; alert: WebhookAlert }>();
  for (const alert of payload.alerts) {
    const row = toRow(alert, now);
    incoming.set(occurrenceKey(row), { row, alert });
  }

  const fingerprints = [...new Set([...incoming.values()].map((x) => x.row.fingerprint))];
  const stored = new Map<string, { id: number; incident_id: number; status: 'firing' | 'resolved' }>();
  for (const part of chunks(fingerprints)) {
    const found = await tx
      .selectFrom('alerts')
      .select(['id', 'incident_id', 'status', 'fingerprint', 'starts_at'])
      .where('fingerprint', 'in', part)
      .execute();
    for (const a of found) if (incoming.has(occurrenceKey(a))) stored.set(occurrenceKey(a), a);
  }

  const timeline: TimelineEntry[] = [];
  const changes: [number, IncidentChange][] = [];
  const alertEvents = new AlertEvents();
  const touched = new Set<number>();
  const fresh: { row: NewAlert; alert: WebhookAlert }[] = [];
  for (const [key, item] of incoming) {
    const known = stored.get(key);
    const decision = decideAlert(known?.status, item.row.status);
    if (decision === 'new') fresh.push(item);
    else if (decision === 'resolve' && known) {
      await tx
        .updateTable('alerts')
        .set({ status: 'resolved', ends_at: item.row.ends_at, last_seen_at: now })
        .where('id', '=', known.id)
        .execute();
      alertEvents.add(known.incident_id, 'alert_resolved', item.alert);
      touched.add(known.incident_id);
    } else if (decision === 'refresh' && known) {
      await tx
        .updateTable('alerts')
        .set({ annotations: item.row.annotations, last_seen_at: now })
        .where('id', '=', known.id)
        .execute();
    }
  }

  let opened = 0;
  if (fresh.length > 0) {
    const target = await findOpenIncident(
      tx,
      payload,
      [...stored.values()].map((s) => s.incident_id),
    );
    let incidentId = target?.id;
    if (incidentId === undefined && fresh.some((f) => f.row.status === 'firing')) {
      incidentId = await reopenRecent(tx, payload, options, timeline);
      if (incidentId !== undefined) changes.push([incidentId, 'reopened']);
    }
    if (incidentId === undefined) {
      const first = fresh[0] as { alert: WebhookAlert };
      const created = await createIncident(
        tx,
        payload,
        fresh.map((f) => f.row),
        first.alert,
        options,
      );
      incidentId = created.id;
      opened = created.status === 'resolved' ? 0 : 1;
      if (opened) changes.push([incidentId, 'opened']);
      timeline.push({
        incident_id: incidentId,
        kind: 'opened',
        message:
          created.status === 'resolved' ? `recorded already resolved: ${created.title}` : created.title,
        data: null,
      });
    }
    for (const part of chunks(fresh)) {
      await tx
        .insertInto('alerts')
        .values(part.map((f) => ({ ...f.row, incident_id: incidentId })))
        .execute();
    }
    for (const f of fresh) {
      alertEvents.add(incidentId, f.row.status === 'firing' ? 'alert_fired' : 'alert_resolved', f.alert);
    }
    touched.add(incidentId);
  }

  timeline.push(...alertEvents.entries());
  let resolved = 0;
  for (const id of touched) {
    if (await refreshIncident(tx, id, now, timeline)) {
      resolved += 1;
      changes.push([id, 'resolved']);
    }
  }
  for (const [id, change] of changes) await react(tx, id, change, { now, policies: options.policies });
  for (const part of chunks(timeline)) {
    await tx
      .insertInto('timeline')
      .values(part.map((t) => ({ ...t, at: now, actor: SYSTEM_ACTOR })))
      .execute();
  }
  return { incidentIds: [...touched], opened, resolved, changes: changes.length };
}

/**
 * One timeline entry per incident and kind for a snapshot ("3 alerts fired: A, B ×2"), listing each alert
 * in its data: a storm of a thousand alerts is one readable event, not a thousand rows.
 */
class AlertEvents {
  private readonly groups = new Map<string, { incident_id: number; kind: string; alerts: WebhookAlert[] }>();

  add(incidentId: number, kind: 'alert_fired' | 'alert_resolved', alert: WebhookAlert): void {
    const key = `${incidentId}:${kind}`;
    const group = this.groups.get(key) ?? { incident_id: incidentId, kind, alerts: [] };
    group.alerts.push(alert);
    this.groups.set(key, group);
  }

  entries(): TimelineEntry[] {
    return [...this.groups.values()].map(({ incident_id, kind, alerts }) => {
      const names = new Map<string, number>();
      for (const a of alerts) {
        const name = a.labels.alertname ?? alertFingerprint(a);
        names.set(name, (names.get(name) ?? 0) + 1);
      }
      const listed = [...names].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join(', ');
      const verb = kind === 'alert_fired' ? 'fired' : 'resolved';
      return {
        incident_id,
        kind,
        message: `${alerts.length} alert${alerts.length > 1 ? 's' : ''} ${verb}: ${listed}`,
        // Fingerprints only: the labels are on the incident's alerts already.
        data: JSON.stringify({ fingerprints: alerts.map(alertFingerprint) }),
      };
    });
  }
}

/** The open incident that owns alerts of this snapshot, else the group's open incident. */
async function findOpenIncident(tx: Tx, payload: WebhookPayload, knownIncidentIds: number[]) {
  if (knownIncidentIds.length > 0) {
    const owner = await tx
      .selectFrom('incidents')
      .select('id')
      .where('id', 'in', [...new Set(knownIncidentIds)])
      .where('status', '<>', 'resolved')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (owner) return owner;
  }
  return tx
    .selectFrom('incidents')
    .select('id')
    .where('receiver', '=', payload.receiver)
    .where('group_key', '=', payload.groupKey)
    .where('status', '<>', 'resolved')
    .executeTakeFirst();
}

async function reopenRecent(
  tx: Tx,
  payload: WebhookPayload,
  options: MergeOptions & { now: string },
  timeline: TimelineEntry[],
): Promise<number | undefined> {
  if (options.reopenWindowMs <= 0) return undefined;
  const since = new Date(Date.parse(options.now) - options.reopenWindowMs).toISOString();
  const recent = await tx
    .selectFrom('incidents')
    .select('id')
    .where('receiver', '=', payload.receiver)
    .where('group_key', '=', payload.groupKey)
    .where('status', '=', 'resolved')
    .where('resolved_at', '>=', since)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!recent) return undefined;
  await tx
    .updateTable('incidents')
    .set({
      status: 'triggered',
      resolved_at: null,
      resolved_by: null,
      acknowledged_at: null,
      acknowledged_by: null,
    })
    .where('id', '=', recent.id)
    .execute();
  timeline.push({
    incident_id: recent.id,
    kind: 'reopened',
    message: 'fired again within the reopen window',
    data: null,
  });
  return recent.id;
}

/** Recomputes severity and auto-resolves an incident whose alerts have all resolved; true if it resolved now. */
async function refreshIncident(tx: Tx, id: number, now: string, timeline: TimelineEntry[]): Promise<boolean> {
  // The incident's status and its alerts' in one query: a row per alert (one with no alert if it has none).
  const query = tx
    .selectFrom('incidents')
    .leftJoin('alerts', 'alerts.incident_id', 'incidents.id')
    .select(['incidents.status as incidentStatus', 'alerts.status', 'alerts.severity'])
    .where('incidents.id', '=', id);
  const rows = await query.execute();
  if (rows.length === 0) throw new NoResultError(query.toOperationNode());
  const incident = { status: (rows[0] as { incidentStatus: IncidentStatus }).incidentStatus };
  const alerts = rows.flatMap((a) =>
    a.status === null ? [] : [{ status: a.status, severity: a.severity as string }],
  );
  const autoResolve = incident.status !== 'resolved' && alerts.every((a) => a.status === 'resolved');
  await tx
    .updateTable('incidents')
    .set({
      severity: highestSeverity(alerts.map((a) => a.severity)),
      updated_at: now,
      ...(autoResolve ? { status: 'resolved' as const, resolved_at: now, resolved_by: SYSTEM_ACTOR } : {}),
    })
    .where('id', '=', id)
    .execute();
  if (autoResolve) {
    timeline.push({ incident_id: id, kind: 'resolved', message: 'all alerts resolved', data: null });
  }
  return autoResolve;
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
        const results: IngestResult[] = [];
        for (const { payload } of snapshots)
          results.push(await ingestSnapshot(tx, payload, { ...options, now }));
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
