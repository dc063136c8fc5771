import type { Transaction } from 'kysely';
import type { DatabaseSchema, NotificationEvent } from '../db/schema';

export interface OutboxEntry {
  channel: string;
  recipient?: string;
  dedupeKey?: string;
  /** The timeline entry a `timeline` notification tells of. */
  timelineId?: number;
}

/**
 * Queues notifications inside the caller's transaction: they exist exactly when the change that caused
 * them was committed. An entry whose dedupe key is already queued is skipped.
 */
export async function enqueue(
  tx: Transaction<DatabaseSchema>,
  incidentId: number,
  event: NotificationEvent,
  entries: OutboxEntry[],
  now: string,
): Promise<void> {
  await enqueueAll(tx, [{ incidentId, event, entries }], now);
}

/** enqueue() for several incidents' events in one statement, the rows in the order given. */
export async function enqueueAll(
  tx: Transaction<DatabaseSchema>,
  events: { incidentId: number; event: NotificationEvent; entries: OutboxEntry[] }[],
  now: string,
): Promise<void> {
  const rows = events.flatMap(({ incidentId, event, entries }) =>
    entries.map((e) => ({
      incident_id: incidentId,
      event,
      channel: e.channel,
      recipient: e.recipient ?? null,
      dedupe_key: e.dedupeKey ?? null,
      timeline_id: e.timelineId ?? null,
      status: 'pending' as const,
      attempts: 0,
      last_error: null,
      created_at: now,
      updated_at: now,
    })),
  );
  if (rows.length === 0) return;
  await tx
    .insertInto('notifications')
    .values(rows)
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .execute();
}
