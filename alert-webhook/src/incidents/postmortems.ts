import type { ActionItem } from '@vigil/api-contract';
import type { Db } from '../db/database';
import { lockIncidentGroup, mergeTransaction } from '../db/merge-locks';

/** A postmortem as written: what PUT takes once validated. */
export interface PostmortemInput {
  summary: string;
  impact: string;
  root_cause: string;
  timeline_entry_ids: number[];
  action_items: ActionItem[];
}

/** Why a postmortem was not written: no such incident, or timeline ids that are not the incident's (by index). */
export type PutOutcome =
  { outcome: 'ok' } | { outcome: 'not_found' } | { outcome: 'foreign_entries'; indexes: number[] };

function idsOf(text: string): number[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((v): v is number => Number.isSafeInteger(v)) : [];
  } catch {
    return [];
  }
}

/** An incident's postmortem rows: the record, its action items and its excerpt's timeline entries. */
export async function getPostmortem(db: Db, incidentId: number) {
  const row = await db
    .selectFrom('postmortems')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .executeTakeFirst();
  if (!row) return undefined;
  const ids = idsOf(row.timeline_entry_ids);
  const [items, entries] = await Promise.all([
    db
      .selectFrom('postmortem_action_items')
      .selectAll()
      .where('incident_id', '=', incidentId)
      .orderBy('position')
      .execute(),
    ids.length === 0
      ? Promise.resolve([])
      : db
          .selectFrom('timeline')
          .selectAll()
          .where('incident_id', '=', incidentId)
          .where('id', 'in', ids)
          .orderBy('id')
          .execute(),
  ]);
  return { row, items, entries };
}

/**
 * Writes the whole postmortem (creating it the first time) and its audit record in one transaction. The
 * timeline ids must be entries of this incident: an id of another incident's timeline is refused, so that a
 * postmortem never shows what its readers may not connect to it.
 */
export async function putPostmortem(
  db: Db,
  incidentId: number,
  actor: string,
  input: PostmortemInput,
): Promise<PutOutcome> {
  // READ COMMITTED under the incident group's lock (PostgreSQL): two writers of one postmortem wait for each
  // other, the second writing over the first, instead of one failing as a serialization conflict.
  return mergeTransaction(db).execute(async (tx) => {
    await lockIncidentGroup(tx, incidentId);
    const incident = await tx
      .selectFrom('incidents')
      .select('id')
      .where('id', '=', incidentId)
      .executeTakeFirst();
    if (!incident) return { outcome: 'not_found' };
    const ids = [...new Set(input.timeline_entry_ids)];
    const own =
      ids.length === 0
        ? new Set<number>()
        : new Set(
            (
              await tx
                .selectFrom('timeline')
                .select('id')
                .where('incident_id', '=', incidentId)
                .where('id', 'in', ids)
                .execute()
            ).map((r) => r.id),
          );
    const foreign = input.timeline_entry_ids.flatMap((id, i) => (own.has(id) ? [] : [i]));
    if (foreign.length > 0) return { outcome: 'foreign_entries', indexes: foreign };

    const at = new Date().toISOString();
    const fields = {
      summary: input.summary,
      impact: input.impact,
      root_cause: input.root_cause,
      timeline_entry_ids: JSON.stringify(ids.sort((a, b) => a - b)),
      updated_at: at,
      updated_by: actor,
    };
    await tx
      .insertInto('postmortems')
      .values({ incident_id: incidentId, ...fields, created_at: at, created_by: actor })
      .onConflict((oc) => oc.column('incident_id').doUpdateSet(fields))
      .execute();
    await tx.deleteFrom('postmortem_action_items').where('incident_id', '=', incidentId).execute();
    if (input.action_items.length > 0) {
      await tx
        .insertInto('postmortem_action_items')
        .values(input.action_items.map((item, position) => ({ incident_id: incidentId, position, ...item })))
        .execute();
    }
    await tx
      .insertInto('audit_log')
      .values({
        at,
        actor,
        action: 'postmortem',
        incident_id: incidentId,
        details: JSON.stringify(input),
      })
      .execute();
    return { outcome: 'ok' };
  });
}
