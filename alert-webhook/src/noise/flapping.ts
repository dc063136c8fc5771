import type { Kysely } from 'kysely';
import type { DatabaseSchema, NotificationEvent } from '../db/schema';
import { countToggles, lastToggle, minus } from './changes';
import type { NoiseSettings } from './config';
import { addAudit, addTimeline } from './record';

type Tx = Kysely<DatabaseSchema>;
export type FlappingSettings = NonNullable<NoiseSettings['flapping']>;

/** A window as people write it: 30m, 90s. */
const minutes = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);

/**
 * Whether the incident is flapping as of `at`. A status notification (triggered, resolved) whose change
 * made it toggle more than `transitions` times within the window marks it flapping, on the incident, its
 * timeline and the audit log.
 */
export async function isFlapping(
  tx: Tx,
  cfg: FlappingSettings,
  incidentId: number,
  event: NotificationEvent,
  at: string,
): Promise<boolean> {
  const incident = await tx
    .selectFrom('incidents')
    .select('flapping_since')
    .where('id', '=', incidentId)
    .executeTakeFirstOrThrow();
  if (incident.flapping_since !== null) return true;
  if (event !== 'triggered' && event !== 'resolved') return false;
  const toggles = await countToggles(tx, incidentId, minus(at, cfg.window), at);
  if (toggles <= cfg.transitions) return false;
  await tx.updateTable('incidents').set({ flapping_since: at }).where('id', '=', incidentId).execute();
  await addTimeline(
    tx,
    incidentId,
    at,
    'flapping',
    `flapping: resolved or reopened ${toggles} times in ${minutes(cfg.window)}; notifications are held until it has been quiet for ${minutes(cfg.window)}`,
  );
  await addAudit(tx, at, 'flapping_started', incidentId, { toggles, window_ms: cfg.window });
  return true;
}

/** Flapping incidents quiet (no resolve or reopen) for the whole window by `now`: no longer flapping. */
export async function stopFlapping(tx: Tx, cfg: FlappingSettings, now: string): Promise<number[]> {
  const flapping = await tx
    .selectFrom('incidents')
    .select('id')
    .where('flapping_since', 'is not', null)
    .execute();
  const quiet: number[] = [];
  for (const { id } of flapping) {
    const last = await lastToggle(tx, id);
    if (last !== undefined && last > minus(now, cfg.window)) continue;
    await tx.updateTable('incidents').set({ flapping_since: null }).where('id', '=', id).execute();
    await addTimeline(
      tx,
      id,
      now,
      'flapping_stopped',
      `quiet for ${minutes(cfg.window)}: no longer flapping`,
    );
    await addAudit(tx, now, 'flapping_stopped', id, { quiet_since: last ?? null });
    quiet.push(id);
  }
  return quiet;
}
