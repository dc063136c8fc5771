import type { Insertable } from 'kysely';
import type { Db } from '../../src/db/database';
import type { IncidentTable, NotificationTable } from '../../src/db/schema';
import { openTempDb } from '../helpers';

export const MIN = 60_000;
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
/** The time `min` minutes after the tests' fixed start, 2026-11-22T10:00Z. */
export const at = (min: number) => new Date(T0 + min * MIN).toISOString();

/**
 * Noise control's rules on a bare migrated database, without an app: incidents, notifications and their
 * changes written as the receiver writes them, so each rule's edge can be set up exactly.
 */
export async function withNoiseDb(fn: (db: Db) => Promise<void>): Promise<void> {
  const { db, close } = await openTempDb();
  try {
    await fn(db);
  } finally {
    await close();
  }
}

export async function addIncident(db: Db, fields: Partial<Insertable<IncidentTable>> = {}): Promise<number> {
  const opened = fields.opened_at ?? at(0);
  const row = await db
    .insertInto('incidents')
    .values({
      receiver: 'vigil',
      group_key: `g-${Math.random()}`,
      status: 'triggered',
      severity: 'warning',
      service: null,
      team: null,
      component: null,
      title: 'disk full',
      group_labels: '{}',
      common_labels: '{}',
      external_url: null,
      opened_at: opened,
      updated_at: opened,
      acknowledged_at: null,
      acknowledged_by: null,
      resolved_at: null,
      resolved_by: null,
      assignee: null,
      route: null,
      flapping_since: null,
      correlation_key: null,
      likely_cause: null,
      ...fields,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function addNotification(
  db: Db,
  incidentId: number,
  fields: Partial<Insertable<NotificationTable>> = {},
): Promise<number> {
  const created = fields.created_at ?? at(0);
  const row = await db
    .insertInto('notifications')
    .values({
      incident_id: incidentId,
      event: 'triggered',
      channel: 'team',
      recipient: null,
      dedupe_key: null,
      status: 'pending',
      attempts: 0,
      last_error: null,
      created_at: created,
      updated_at: created,
      hold_reason: null,
      hold_ref: null,
      digest_id: null,
      timeline_id: null,
      ...fields,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function addAlert(
  db: Db,
  incidentId: number,
  labels: Record<string, string>,
  status: 'firing' | 'resolved' = 'firing',
): Promise<void> {
  await db
    .insertInto('alerts')
    .values({
      incident_id: incidentId,
      fingerprint: JSON.stringify(labels),
      starts_at: at(0),
      ends_at: null,
      status,
      severity: 'warning',
      labels: JSON.stringify(labels),
      annotations: '{}',
      generator_url: null,
      extra: '{}',
      last_seen_at: at(0),
    })
    .execute();
}

/** An incident's change (opened, resolved, reopened…), as merging records it for noise control. */
export async function addChange(
  db: Db,
  incidentId: number,
  change: 'opened' | 'resolved' | 'reopened',
  at: string,
  team = '',
): Promise<void> {
  await db.insertInto('incident_changes').values({ incident_id: incidentId, team, change, at }).execute();
}

export const timelineOf = async (db: Db, incidentId: number) =>
  (
    await db
      .selectFrom('timeline')
      .select(['kind', 'message'])
      .where('incident_id', '=', incidentId)
      .orderBy('id')
      .execute()
  ).map((e) => `${e.kind}: ${e.message}`);

export const auditOf = async (db: Db) =>
  (await db.selectFrom('audit_log').select(['action', 'incident_id', 'details']).orderBy('id').execute()).map(
    (a) => ({ ...a, details: JSON.parse(a.details) as unknown }),
  );
