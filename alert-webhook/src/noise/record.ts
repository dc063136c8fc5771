import type { Kysely } from 'kysely';
import type { DatabaseSchema } from '../db/schema';

type Tx = Kysely<DatabaseSchema>;

/** Who noise control's entries in the timeline and the audit log are by. */
export const NOISE_ACTOR = 'noise-control';

export async function addTimeline(tx: Tx, incidentId: number, at: string, kind: string, message: string) {
  await tx
    .insertInto('timeline')
    .values({ incident_id: incidentId, at, kind, actor: NOISE_ACTOR, message, data: null })
    .execute();
}

export async function addAudit(
  tx: Tx,
  at: string,
  action: string,
  incidentId: number | null,
  details: Record<string, unknown>,
) {
  await tx
    .insertInto('audit_log')
    .values({ at, actor: NOISE_ACTOR, action, incident_id: incidentId, details: JSON.stringify(details) })
    .execute();
}
