import { sql } from 'kysely';
import type { Db } from '../db/database';
import { lockIncidentGroup } from '../db/merge-locks';
import type { IncidentStatus } from '../db/schema';
import { ACTION_KINDS } from '@vigil/api-contract';
import { applyTransition, type Transition } from './rules';
import { addToTimeline, react } from './reactions';
import type { EscalationPolicy } from '../escalation/policy';

export interface IncidentFilter {
  status?: IncidentStatus[];
  severity?: string[];
  service?: string;
  team?: string;
  since?: string;
  until?: string;
  /** Only incidents with an id below this (cursor pagination, newest first). */
  beforeId?: number;
  limit: number;
}

export async function listIncidents(db: Db, f: IncidentFilter) {
  let q = db
    .selectFrom('incidents')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(f.limit + 1);
  if (f.status?.length) q = q.where('status', 'in', f.status);
  // Stored as Alertmanager sent it; ranked and counted whatever its case (rules.ts), so filtered alike.
  const severity = f.severity?.map((s) => s.toLowerCase());
  if (severity?.length) q = q.where((eb) => eb(eb.fn('lower', ['severity']), 'in', severity));
  if (f.service !== undefined) q = q.where('service', '=', f.service);
  if (f.team !== undefined) q = q.where('team', '=', f.team);
  if (f.since !== undefined) q = q.where('opened_at', '>=', f.since);
  if (f.until !== undefined) q = q.where('opened_at', '<', f.until);
  if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
  const rows = await q.execute();
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return {
    items: page,
    nextBeforeId: rows.length > f.limit && last ? last.id : undefined,
  };
}

export async function getIncident(db: Db, id: number) {
  const incident = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  if (!incident) return undefined;
  const [alerts, timeline, tickets] = await Promise.all([
    db.selectFrom('alerts').selectAll().where('incident_id', '=', id).orderBy('id').execute(),
    db.selectFrom('timeline').selectAll().where('incident_id', '=', id).orderBy('id').execute(),
    incidentTickets(db, id),
  ]);
  return { incident, alerts, timeline, tickets };
}

/** The tickets made for an incident (Jira channels), by channel: key and link. */
export async function incidentTickets(db: Db, id: number) {
  const rows = await db
    .selectFrom('tickets')
    .select(['channel', 'key', 'url'])
    .where('incident_id', '=', id)
    .where('key', 'is not', null)
    .orderBy('channel')
    .execute();
  return rows.map((r) => ({ channel: r.channel, key: r.key as string, url: r.url as string }));
}

export type ActionResult =
  { outcome: 'not_found' } | { outcome: 'invalid'; status: IncidentStatus } | { outcome: 'ok' };

/** Everything a person does to an incident: the change, its timeline entry and the audit record, in one transaction. */
export async function act(
  db: Db,
  id: number,
  actor: string,
  action:
    | { kind: Transition; note?: string }
    | { kind: 'note'; text: string }
    | { kind: 'assign'; assignee: string | null },
  policies: ReadonlyMap<string, EscalationPolicy>,
  /** Channels that keep a thread per incident, told of notes and assignments (see addToTimeline). */
  threads: ReadonlySet<string> = new Set(),
): Promise<ActionResult> {
  return db.transaction().execute(async (tx) => {
    await lockIncidentGroup(tx, id);
    const incident = await tx
      .selectFrom('incidents')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirst();
    if (!incident) return { outcome: 'not_found' };
    const at = new Date().toISOString();
    let message: string;
    // What is recorded: the action, or the note of a transition that changed nothing.
    let done = action;
    if (action.kind === 'note') {
      message = action.text;
    } else if (action.kind === 'assign') {
      await tx
        .updateTable('incidents')
        .set({ assignee: action.assignee, updated_at: at })
        .where('id', '=', id)
        .execute();
      message = action.assignee === null ? 'unassigned' : `assigned to ${action.assignee}`;
    } else {
      const step = applyTransition(incident.status, action.kind);
      if (step.outcome === 'invalid') return { outcome: 'invalid', status: incident.status };
      if (step.outcome === 'unchanged') {
        // Already so (another responder was first): nothing changes, but this one's note is kept, as a note.
        if (!action.note) return { outcome: 'ok' };
        done = { kind: 'note', text: action.note };
        message = action.note;
      } else {
        await tx
          .updateTable('incidents')
          .set({
            status: step.status,
            updated_at: at,
            ...(action.kind === 'acknowledge'
              ? {
                  acknowledged_at: at,
                  acknowledged_by: actor,
                  first_acknowledged_at: sql<string>`coalesce(first_acknowledged_at, ${at})`,
                }
              : {}),
            ...(action.kind === 'resolve' ? { resolved_at: at, resolved_by: actor } : {}),
            ...(action.kind === 'reopen'
              ? { resolved_at: null, resolved_by: null, acknowledged_at: null, acknowledged_by: null }
              : {}),
          })
          .where('id', '=', id)
          .execute();
        message = action.note ? `${ACTION_KINDS[action.kind]}: ${action.note}` : ACTION_KINDS[action.kind];
        await react(tx, id, ACTION_KINDS[action.kind], { now: at, policies });
      }
    }
    const kind = ACTION_KINDS[done.kind];
    const details = JSON.stringify(done);
    const entry = { at, kind, actor, message, data: details };
    // Acknowledge, resolve and reopen reach the channels as those events; notes and assignments as this one.
    if (done.kind === 'note' || done.kind === 'assign') await addToTimeline(tx, id, entry, threads);
    else
      await tx
        .insertInto('timeline')
        .values({ incident_id: id, ...entry })
        .execute();
    await tx
      .insertInto('audit_log')
      .values({ at, actor, action: done.kind, incident_id: id, details })
      .execute();
    return { outcome: 'ok' };
  });
}
