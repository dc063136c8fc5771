import type { Kysely } from 'kysely';
import type { DatabaseSchema, IncidentChangeTable } from '../db/schema';

type Tx = Kysely<DatabaseSchema>;
type Change = IncidentChangeTable['change'];

/** Incidents without a team (no team label, no route team) count together as the team "". */
export const teamKey = (team: string | null) => team ?? '';

export const minus = (iso: string, ms: number) => new Date(Date.parse(iso) - ms).toISOString();
export const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

export async function recordChanges(
  tx: Tx,
  changes: { incidentId: number; team: string | null; change: Change; at: string }[],
): Promise<void> {
  if (changes.length === 0) return;
  await tx
    .insertInto('incident_changes')
    .values(
      changes.map((c) => ({ incident_id: c.incidentId, team: teamKey(c.team), change: c.change, at: c.at })),
    )
    .execute();
}

/** How many times an incident resolved or reopened in (from, to]. */
export async function countToggles(tx: Tx, incidentId: number, from: string, to: string): Promise<number> {
  const row = await tx
    .selectFrom('incident_changes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('incident_id', '=', incidentId)
    .where('change', 'in', ['resolved', 'reopened'])
    .where('at', '>', from)
    .where('at', '<=', to)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** When the incident last resolved or reopened. */
export async function lastToggle(tx: Tx, incidentId: number): Promise<string | undefined> {
  const row = await tx
    .selectFrom('incident_changes')
    .select('at')
    .where('incident_id', '=', incidentId)
    .where('change', 'in', ['resolved', 'reopened'])
    .orderBy('at', 'desc')
    .executeTakeFirst();
  return row?.at;
}

/** When the incident last opened or reopened, at or before `at`. */
export async function lastOpened(tx: Tx, incidentId: number, at: string): Promise<string | undefined> {
  const row = await tx
    .selectFrom('incident_changes')
    .select('at')
    .where('incident_id', '=', incidentId)
    .where('change', 'in', ['opened', 'reopened'])
    .where('at', '<=', at)
    .orderBy('at', 'desc')
    .executeTakeFirst();
  return row?.at;
}

const opens = (tx: Tx, team: string, from: string, to: string) =>
  tx
    .selectFrom('incident_changes')
    .where('team', '=', team)
    .where('change', 'in', ['opened', 'reopened'])
    .where('at', '>', from)
    .where('at', '<=', to);

/** How many times a team's incidents opened (or reopened) in (from, to]. */
export async function countOpens(tx: Tx, team: string, from: string, to: string): Promise<number> {
  const row = await opens(tx, team, from, to)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** When the team's nth opening (0-based) in (from, to] happened. */
export async function nthOpen(tx: Tx, team: string, from: string, to: string, n: number) {
  const row = await opens(tx, team, from, to)
    .select('at')
    .orderBy('at')
    .orderBy('id')
    .limit(1)
    .offset(n)
    .executeTakeFirst();
  return row?.at;
}
