import type { Transaction } from 'kysely';
import type { DatabaseSchema } from '../db/schema';
import { onAcknowledged, startPosition, type EscalationPosition } from './plan';
import type { EscalationPolicy } from './policy';

type Tx = Transaction<DatabaseSchema>;

export interface StoredEscalation extends EscalationPosition {
  incidentId: number;
  policy: EscalationPolicy;
}

/**
 * Starts (or starts over) incidents' escalations in one statement. The policy is stored with each: a
 * configuration change does not alter one under way.
 */
export async function startEscalations(
  tx: Tx,
  escalations: { incidentId: number; policy: EscalationPolicy }[],
  now: string,
): Promise<void> {
  if (escalations.length === 0) return;
  const at = startPosition(now);
  const row = { cycle: at.cycle, step: at.step, next_at: at.nextAt, phase: at.phase, updated_at: now };
  await tx
    .insertInto('escalations')
    .values(escalations.map((e) => ({ incident_id: e.incidentId, policy: JSON.stringify(e.policy), ...row })))
    .onConflict((oc) =>
      oc.column('incident_id').doUpdateSet((eb) => ({
        policy: eb.ref('excluded.policy'),
        cycle: eb.ref('excluded.cycle'),
        step: eb.ref('excluded.step'),
        next_at: eb.ref('excluded.next_at'),
        phase: eb.ref('excluded.phase'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

export async function loadEscalation(tx: Tx, incidentId: number): Promise<StoredEscalation | undefined> {
  const row = await tx
    .selectFrom('escalations')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .executeTakeFirst();
  return row && toStored(row);
}

export async function saveEscalation(tx: Tx, e: StoredEscalation, now: string): Promise<void> {
  await tx
    .updateTable('escalations')
    .set({ cycle: e.cycle, step: e.step, next_at: e.nextAt, phase: e.phase, updated_at: now })
    .where('incident_id', '=', e.incidentId)
    .execute();
}

export async function acknowledgeEscalation(tx: Tx, incidentId: number, now: string): Promise<void> {
  const e = await loadEscalation(tx, incidentId);
  // A policy past its last step (done) still has its ack timeout: the incident was paged, and an
  // acknowledgement left unresolved that long pages again, from the first step.
  if (e?.phase === 'active' || e?.phase === 'done')
    await saveEscalation(tx, { ...e, ...onAcknowledged(e.policy, e, now) }, now);
}

export async function stopEscalations(tx: Tx, incidentIds: number[], now: string): Promise<void> {
  if (incidentIds.length === 0) return;
  await tx
    .updateTable('escalations')
    .set({ phase: 'stopped', updated_at: now })
    .where('incident_id', 'in', incidentIds)
    .where('phase', 'in', ['active', 'ack_wait'])
    .execute();
}

export async function dueEscalations(tx: Tx, now: string, limit = 100): Promise<StoredEscalation[]> {
  const rows = await tx
    .selectFrom('escalations')
    .selectAll()
    .where('phase', 'in', ['active', 'ack_wait'])
    .where('next_at', '<=', now)
    .orderBy('next_at')
    .limit(limit)
    .execute();
  return rows.map(toStored);
}

function toStored(row: {
  incident_id: number;
  policy: string;
  cycle: number;
  step: number;
  next_at: string;
  phase: EscalationPosition['phase'];
}): StoredEscalation {
  return {
    incidentId: row.incident_id,
    policy: JSON.parse(row.policy) as EscalationPolicy,
    cycle: row.cycle,
    step: row.step,
    nextAt: row.next_at,
    phase: row.phase,
  };
}
