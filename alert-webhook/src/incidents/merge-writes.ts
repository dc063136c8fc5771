import type { Transaction } from 'kysely';
import { insertMany } from '../db/bulk';
import type { DatabaseSchema } from '../db/schema';
import type { MatchedRoute } from '../routing/tree';
import { chunks, type AlertState, type IncidentState, type MergeState, type NewAlert } from './merge-state';
import { reactAll, type ReactionContext } from './reactions';

type Tx = Transaction<DatabaseSchema>;
type AlertChange = Partial<Pick<NewAlert, 'status' | 'ends_at' | 'annotations' | 'last_seen_at'>>;
/** What a merge changes on an incident it did not open. */
const MERGED_COLUMNS = [
  'status',
  'severity',
  'updated_at',
  'resolved_at',
  'resolved_by',
  'acknowledged_at',
  'acknowledged_by',
  'likely_cause',
] as const;

export const SYSTEM_ACTOR = 'alertmanager';

/** The alerts table's columns as PostgreSQL types them, for inserts as arrays (insertMany). */
const ALERT_TYPES = {
  incident_id: 'int4',
  fingerprint: 'text',
  starts_at: 'text',
  ends_at: 'text',
  status: 'text',
  severity: 'text',
  labels: 'text',
  annotations: 'text',
  generator_url: 'text',
  extra: 'text',
  last_seen_at: 'text',
} as const;

/**
 * The writes a batch's merge collects, in the order it made them, to be written in a few multi-row
 * statements once every snapshot of the batch is merged in memory.
 */
export class MergeWrites {
  readonly timeline: { incident: IncidentState; kind: string; message: string; data: string | null }[] = [];
  readonly changes: { incident: IncidentState; change: 'opened' | 'reopened' | 'resolved' }[] = [];
  private readonly alertChanges = new Map<AlertState, { row: NewAlert; set: AlertChange }>();

  /** Changes a stored occurrence (or the row of one the batch adds, before it is inserted). */
  changeAlert(alert: AlertState, row: NewAlert, set: AlertChange): void {
    if (set.status) alert.status = set.status;
    if (set.ends_at !== undefined) alert.endsAt = set.ends_at;
    if (alert.pending) return void Object.assign(alert.pending, set);
    const entry = this.alertChanges.get(alert) ?? { row, set: {} };
    Object.assign(entry.set, set);
    this.alertChanges.set(alert, entry);
  }

  async write(tx: Tx, state: MergeState, ctx: ReactionContext): Promise<void> {
    const incidents = [...state.incidents.values()];
    const opened = incidents.filter((i) => i.id < 0);
    const changed = incidents.filter((i) => i.id > 0 && i.changed);
    // Stored incidents first: one the batch resolved must be resolved before the group's new one is
    // inserted, or the one-open-incident-per-group index refuses the insert.
    await updateChanged(tx, changed);
    await insertOpened(tx, opened);
    const added = [...state.alerts.values()].filter((a) => a.pending);
    // In the order they were added (Map order), so that ids follow the snapshots.
    for (const part of chunks(added, 11)) {
      await insertMany(
        tx,
        'alerts',
        // The pending row itself, given its incident's id (an incident the batch opens has one only now):
        // a copy of each was a tenth of what merging allocated.
        part.map((a) => Object.assign(a.pending as NewAlert, { incident_id: a.incident.id })),
        ALERT_TYPES,
      ).execute();
    }
    await this.writeAlertChanges(tx);
    await reactAll(
      tx,
      this.changes.map(({ incident, change }) => ({
        incidentId: incident.id,
        change,
        team: incident.row.team,
        routes: incident.row.route === null ? [] : (JSON.parse(incident.row.route) as MatchedRoute[]),
      })),
      ctx,
    );
    for (const part of chunks(this.timeline, 6)) {
      await tx
        .insertInto('timeline')
        .values(
          part.map(({ incident, ...t }) => ({
            ...t,
            incident_id: incident.id,
            at: ctx.now,
            actor: SYSTEM_ACTOR,
          })),
        )
        .execute();
    }
  }

  /**
   * One upsert per set of changed columns, on the occurrence key: the rows exist (the batch read them
   * under its groups' locks), so each updates its own; the full row only satisfies the insert's form.
   */
  private async writeAlertChanges(tx: Tx): Promise<void> {
    const byColumns = new Map<string, { row: NewAlert; set: AlertChange; incidentId: number }[]>();
    for (const [alert, { row, set }] of this.alertChanges) {
      const key = Object.keys(set).sort().join(',');
      const list = byColumns.get(key) ?? [];
      list.push({ row, set, incidentId: alert.incident.id });
      byColumns.set(key, list);
    }
    for (const [key, list] of byColumns) {
      const columns = key.split(',') as (keyof AlertChange)[];
      for (const part of chunks(list, 11)) {
        await insertMany(
          tx,
          'alerts',
          part.map(({ row, set, incidentId }) => ({ ...row, ...set, incident_id: incidentId })),
          ALERT_TYPES,
        )
          .onConflict((oc) =>
            oc
              .columns(['fingerprint', 'starts_at'])
              .doUpdateSet((eb) => Object.fromEntries(columns.map((c) => [c, eb.ref(`excluded.${c}`)]))),
          )
          .execute();
      }
    }
  }
}

/** Inserts the incidents the batch opened and gives each its id (handed out in the order of the rows). */
async function insertOpened(tx: Tx, opened: IncidentState[]): Promise<void> {
  for (const part of chunks(opened, 23)) {
    const ids = await tx
      .insertInto('incidents')
      .values(part.map((i) => i.row))
      .returning('id')
      .execute();
    const sorted = ids.map((r) => r.id).sort((a, b) => a - b);
    part.forEach((incident, n) => (incident.id = sorted[n] as number));
  }
}

/** Writes back what the batch changed on stored incidents: one update per distinct set of values. */
async function updateChanged(tx: Tx, changed: IncidentState[]): Promise<void> {
  const byValues = new Map<string, number[]>();
  for (const { id, row } of changed) {
    const key = JSON.stringify(MERGED_COLUMNS.map((c) => row[c]));
    const ids = byValues.get(key) ?? [];
    ids.push(id);
    byValues.set(key, ids);
  }
  for (const [key, ids] of byValues) {
    const values = JSON.parse(key) as unknown[];
    const set = Object.fromEntries(MERGED_COLUMNS.map((c, i) => [c, values[i]]));
    for (const part of chunks(ids))
      await tx.updateTable('incidents').set(set).where('id', 'in', part).execute();
  }
}
