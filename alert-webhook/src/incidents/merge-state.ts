import type { Kysely, Selectable, Transaction } from 'kysely';
import { oneOf } from '../db/bulk';
import { isPostgres } from '../db/postgres';
import type { AlertTable, DatabaseSchema, IncidentTable } from '../db/schema';

type Tx = Transaction<DatabaseSchema>;
export type NewAlert = Omit<AlertTable, 'id' | 'incident_id'>;
export type IncidentRow = Omit<Selectable<IncidentTable>, 'id'>;

/**
 * Rows per statement: within SQLite's and PostgreSQL's limits on bound parameters (32,766 and 65,535),
 * a statement per this many values.
 */
const PARAMETERS = 30_000;

export function chunks<T>(items: T[], columns = 1): T[][] {
  const size = Math.max(1, Math.floor(PARAMETERS / columns));
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const occurrenceKey = (a: { fingerprint: string; starts_at: string }) =>
  `${a.fingerprint}\u0000${a.starts_at}`;

/** A stored alert occurrence (or one this batch adds: `pending` is its row, not inserted yet). */
export interface AlertState {
  id?: number;
  incident: IncidentState;
  fingerprint: string;
  startsAt: string;
  status: 'firing' | 'resolved';
  /** When it ended (Alertmanager's endsAt), once resolved. */
  endsAt: string | null;
  severity: string;
  pending?: NewAlert;
}

/** An incident as the batch leaves it; `id` is negative for one this batch opens (not inserted yet). */
export interface IncidentState {
  id: number;
  row: IncidentRow;
  alerts: AlertState[];
  /** Status or severity changed by this batch: written back at the end. */
  changed: boolean;
}

/**
 * Everything a batch of snapshots merges into, read up front in three queries (the owners of its
 * occurrences, the incidents that own them or are open or recently resolved in its groups or open under
 * its correlation keys, and those incidents' alerts), then changed in memory snapshot by snapshot, in order, and written back in a few
 * multi-row statements (merge-writes.ts). On PostgreSQL each statement is a round trip, which is what a
 * merge spent its time on; the groups' advisory locks, taken first, keep what was read current.
 */
export class MergeState {
  readonly alerts = new Map<string, AlertState>();
  readonly incidents = new Map<number, IncidentState>();
  /** Every start (startsAt) known of the batch's fingerprints: stored, in any incident, or seen by the batch. */
  private readonly starts = new Map<string, Set<string>>();
  /** The loaded incidents' occurrences (and those the batch adds) by fingerprint. */
  private readonly byFingerprint = new Map<string, AlertState[]>();
  private nextNewId = -1;

  /** Reads the batch's state; `reopenSince` (an ISO time) also loads incidents resolved since then. */
  static async load(
    tx: Tx,
    groups: { receiver: string; groupKey: string }[],
    occurrences: { fingerprint: string; starts_at: string }[],
    reopenSince: string | undefined,
    correlationKeys: string[],
  ): Promise<MergeState> {
    const state = new MergeState();
    const wanted = new Set(occurrences.map(occurrenceKey));
    const owners = new Set<number>();
    for (const part of chunks([...new Set(occurrences.map((o) => o.fingerprint))])) {
      const found = await tx
        .selectFrom('alerts')
        .select(['incident_id', 'fingerprint', 'starts_at'])
        .where((eb) => oneOf(tx, eb, 'fingerprint', part, 'text'))
        .execute();
      for (const a of found) {
        state.noteStart(a.fingerprint, a.starts_at);
        if (wanted.has(occurrenceKey(a))) owners.add(a.incident_id);
      }
    }
    const uniqueGroups = [...new Map(groups.map((g) => [`${g.receiver}\u0000${g.groupKey}`, g])).values()];
    const incidents = await tx
      .selectFrom('incidents')
      .selectAll()
      .where((eb) =>
        eb.or([
          ...(owners.size > 0 ? [oneOf(tx, eb, 'id', [...owners], 'int4')] : []),
          eb.and([
            eb(
              eb.refTuple('receiver', 'group_key'),
              'in',
              uniqueGroups.map((g) => eb.tuple(g.receiver, g.groupKey)),
            ),
            eb.or([
              eb('status', '<>', 'resolved'),
              ...(reopenSince === undefined ? [] : [eb('resolved_at', '>=', reopenSince)]),
            ]),
          ]),
          // The open incidents a group of the batch may join by correlation (incidents/correlation.ts).
          ...(correlationKeys.length > 0
            ? [
                eb.and([
                  oneOf(tx, eb, 'correlation_key', [...new Set(correlationKeys)], 'text'),
                  eb('status', '<>', 'resolved'),
                ]),
              ]
            : []),
        ]),
      )
      // PostgreSQL: pruning cannot delete an incident the batch read (and may add alerts to) before the
      // batch commits; one deleted meanwhile is not read, so its occurrences are merged as new. (Alerts
      // have no foreign key there, which locked the incident once per alert instead: migrations.ts 0012.)
      .$if(isPostgres(tx as unknown as Kysely<unknown>), (q) => q.forKeyShare())
      .execute();
    for (const { id, ...row } of incidents) state.incidents.set(id, { id, row, alerts: [], changed: false });
    for (const part of chunks([...state.incidents.keys()])) {
      const rows = await tx
        .selectFrom('alerts')
        .select(['id', 'incident_id', 'status', 'ends_at', 'severity', 'fingerprint', 'starts_at'])
        .where((eb) => oneOf(tx, eb, 'incident_id', part, 'int4'))
        .execute();
      for (const a of rows) {
        const incident = state.incidents.get(a.incident_id) as IncidentState;
        const alert: AlertState = {
          id: a.id,
          incident,
          fingerprint: a.fingerprint,
          startsAt: a.starts_at,
          status: a.status,
          endsAt: a.ends_at,
          severity: a.severity,
        };
        incident.alerts.push(alert);
        state.index(alert);
        // The batch's stored occurrences are among them: their owners were loaded.
        if (wanted.has(occurrenceKey(a))) state.alerts.set(occurrenceKey(a), alert);
      }
    }
    return state;
  }

  /** The occurrences of a fingerprint in the loaded incidents and those the batch added. */
  occurrencesOf(fingerprint: string): readonly AlertState[] {
    return this.byFingerprint.get(fingerprint) ?? [];
  }

  private index(alert: AlertState): void {
    const list = this.byFingerprint.get(alert.fingerprint);
    if (list) list.push(alert);
    else this.byFingerprint.set(alert.fingerprint, [alert]);
  }

  noteStart(fingerprint: string, startsAt: string): void {
    const known = this.starts.get(fingerprint) ?? new Set();
    known.add(startsAt);
    this.starts.set(fingerprint, known);
  }

  /** The earliest known start of the fingerprint after `startsAt`: the occurrence that replaced it. */
  nextStart(fingerprint: string, startsAt: string): string | undefined {
    let next: string | undefined;
    for (const start of this.starts.get(fingerprint) ?? []) {
      if (start > startsAt && (next === undefined || start < next)) next = start;
    }
    return next;
  }

  /** Adds an incident this batch opens, with a placeholder id until it is inserted. */
  open(row: IncidentRow): IncidentState {
    const incident: IncidentState = { id: this.nextNewId--, row, alerts: [], changed: true };
    this.incidents.set(incident.id, incident);
    return incident;
  }

  /** Adds an alert occurrence to an incident. */
  addAlert(incident: IncidentState, row: NewAlert): AlertState {
    const alert: AlertState = {
      incident,
      fingerprint: row.fingerprint,
      startsAt: row.starts_at,
      status: row.status,
      endsAt: row.ends_at,
      severity: row.severity,
      pending: row,
    };
    incident.alerts.push(alert);
    this.index(alert);
    this.alerts.set(occurrenceKey(row), alert);
    return alert;
  }

  /** The group's incidents, newest first (those this batch opens are the newest). */
  ofGroup(receiver: string, groupKey: string): IncidentState[] {
    return [...this.incidents.values()]
      .filter((i) => i.row.receiver === receiver && i.row.group_key === groupKey)
      .sort((a, b) => age(b) - age(a));
  }
}

/** Orders incidents by creation: stored ones by id, then this batch's in the order it opened them. */
export const age = (i: IncidentState) => (i.id > 0 ? i.id : 2 ** 52 - i.id);
