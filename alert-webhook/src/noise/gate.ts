import type { Kysely } from 'kysely';
import type { DatabaseSchema, HoldReason, NotificationEvent } from '../db/schema';
import type { NoiseSettings } from './config';
import { isFlapping } from './flapping';
import { windowFor } from './maintenance';
import { addTimeline } from './record';
import { stormFor } from './storm';

type Tx = Kysely<DatabaseSchema>;

export interface Hold {
  reason: HoldReason;
  /** The maintenance window's or the storm's id. */
  ref: string | null;
  /** For the incident's timeline, the first time its notifications are held for this reason (flapping has its own entry). */
  why?: string;
}

interface Queued {
  id: number;
  incident_id: number;
  event: NotificationEvent;
  created_at: string;
}

/** Whether people heard of the incident opening: a triggered notification went out, alone or in a digest. */
async function openingNotified(tx: Tx, incidentId: number): Promise<boolean> {
  const told = await tx
    .selectFrom('notifications')
    .select('id')
    .where('incident_id', '=', incidentId)
    .where('event', '=', 'triggered')
    // Held for a storm means it went out in a digest.
    .where((eb) => eb.or([eb('hold_reason', 'is', null), eb('hold_reason', '=', 'storm')]))
    .executeTakeFirst();
  return told !== undefined;
}

/**
 * Decides whether a queued notification is held, judged as of when it was queued. A maintenance window
 * comes first (it is deliberate); a resolve passes it unless nobody heard of the opening. Then flapping,
 * then a storm of the incident's team. Flapping is assessed (and marked) whatever else holds it.
 */
export async function decideHold(tx: Tx, settings: NoiseSettings, n: Queued): Promise<Hold | undefined> {
  const at = n.created_at;
  const flapping = settings.flapping
    ? await isFlapping(tx, settings.flapping, n.incident_id, n.event, at)
    : false;
  const window = await windowFor(tx, n.incident_id, at);
  if (window && !(n.event === 'resolved' && (await openingNotified(tx, n.incident_id)))) {
    const name = window.name ? ` (${window.name})` : '';
    return {
      reason: 'maintenance',
      ref: String(window.id),
      why: `notifications suppressed by maintenance window ${window.id}${name} until ${window.ends_at}`,
    };
  }
  if (flapping) {
    return { reason: 'flapping', ref: null };
  }
  const storm = settings.storm && (await stormFor(tx, settings.storm, n.incident_id, at));
  if (storm) {
    return {
      reason: 'storm',
      ref: String(storm.id),
      why: `alert storm for team ${storm.team || '(none)'}: notifications go out in digests`,
    };
  }
  return undefined;
}

/** Marks the notification held, noting it on the incident's timeline the first time for that reason and window or storm. */
export async function recordHold(tx: Tx, n: Queued, hold: Hold, now: string): Promise<void> {
  const earlier =
    hold.why === undefined ||
    (await tx
      .selectFrom('notifications')
      .select('id')
      .where('incident_id', '=', n.incident_id)
      .where('hold_reason', '=', hold.reason)
      .where('hold_ref', '=', hold.ref ?? '')
      .executeTakeFirst()) !== undefined;
  await tx
    .updateTable('notifications')
    .set({ status: 'held', hold_reason: hold.reason, hold_ref: hold.ref, updated_at: now })
    .where('id', '=', n.id)
    .execute();
  if (!earlier && hold.why) await addTimeline(tx, n.incident_id, now, 'notifications_held', hold.why);
}
