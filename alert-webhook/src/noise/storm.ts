import type { Kysely, Selectable } from 'kysely';
import type { DatabaseSchema, StormTable } from '../db/schema';
import { countOpens, lastOpened, minus, nthOpen, plus, teamKey } from './changes';
import type { NoiseSettings } from './config';
import { addAudit } from './record';

type Tx = Kysely<DatabaseSchema>;
export type StormSettings = NonNullable<NoiseSettings['storm']>;

async function activeStorm(tx: Tx, team: string): Promise<Selectable<StormTable> | undefined> {
  return tx
    .selectFrom('storms')
    .selectAll()
    .where('team', '=', team)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
}

/**
 * The storm under way that the incident belongs to, if any: it opened while its team's storm was on.
 * The storm starts with the opening that took the team over the threshold (its first digest is due at
 * once); incidents that opened before it keep being notified one by one. That start depends only on the
 * recorded openings, so concurrent dispatchers agree on it whichever of them records the storm.
 */
export async function stormFor(
  tx: Tx,
  cfg: StormSettings,
  incidentId: number,
  at: string,
): Promise<Selectable<StormTable> | undefined> {
  const opened = await lastOpened(tx, incidentId, at);
  if (opened === undefined) return undefined;
  const { team } = await tx
    .selectFrom('incidents')
    .select('team')
    .where('id', '=', incidentId)
    .executeTakeFirstOrThrow();
  const key = teamKey(team);
  let storm = await activeStorm(tx, key);
  if (!storm) {
    const since = minus(opened, cfg.window);
    const opens = await countOpens(tx, key, since, opened);
    const start = opens > cfg.incidents && (await nthOpen(tx, key, since, opened, cfg.incidents));
    if (!start) return undefined;
    const inserted = await tx
      .insertInto('storms')
      .values({ team: key, started_at: start, next_digest_at: start, ended_at: null })
      .onConflict((oc) => oc.column('team').where('ended_at', 'is', null).doNothing())
      .executeTakeFirst();
    storm = await activeStorm(tx, key);
    if (storm && Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) {
      await addAudit(tx, at, 'storm_started', null, { storm: storm.id, team: key, incidents: opens });
    }
  }
  return storm && storm.started_at <= opened ? storm : undefined;
}

/**
 * For each storm whose digest is due: one digest notification per channel and recipient, carrying every
 * notification held for the storm since the last one. The storm then ends if its team has calmed down
 * (no more than the threshold opened in the last window), or waits for the next digest.
 */
export async function sendDueDigests(tx: Tx, cfg: StormSettings, now: string): Promise<number> {
  const due = await tx
    .selectFrom('storms')
    .selectAll()
    .where('ended_at', 'is', null)
    .where('next_digest_at', '<=', now)
    .execute();
  let digests = 0;
  for (const storm of due) {
    const ref = String(storm.id);
    const targets = await tx
      .selectFrom('notifications')
      .select(['channel', 'recipient', (eb) => eb.fn.min<number>('incident_id').as('first')])
      .where('hold_reason', '=', 'storm')
      .where('hold_ref', '=', ref)
      .where('digest_id', 'is', null)
      .groupBy(['channel', 'recipient'])
      .execute();
    for (const t of targets) {
      const digest = await tx
        .insertInto('notifications')
        .values({
          incident_id: t.first,
          event: 'digest',
          channel: t.channel,
          recipient: t.recipient,
          dedupe_key: null,
          status: 'pending',
          attempts: 0,
          last_error: null,
          created_at: now,
          updated_at: now,
          hold_reason: null,
          hold_ref: ref,
          digest_id: null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await tx
        .updateTable('notifications')
        .set({ digest_id: digest.id, updated_at: now })
        .where('hold_reason', '=', 'storm')
        .where('hold_ref', '=', ref)
        .where('digest_id', 'is', null)
        .where('channel', '=', t.channel)
        .where((eb) =>
          t.recipient === null ? eb('recipient', 'is', null) : eb('recipient', '=', t.recipient),
        )
        .execute();
      digests += 1;
    }
    const opens = await countOpens(tx, storm.team, minus(now, cfg.window), now);
    if (opens <= cfg.incidents) {
      await tx.updateTable('storms').set({ ended_at: now }).where('id', '=', storm.id).execute();
      await addAudit(tx, now, 'storm_ended', null, { storm: storm.id, team: storm.team });
    } else {
      await tx
        .updateTable('storms')
        .set({ next_digest_at: plus(now, cfg.digest_interval) })
        .where('id', '=', storm.id)
        .execute();
    }
  }
  return digests;
}
