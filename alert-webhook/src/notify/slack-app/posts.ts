import type { Db } from '../../db/database';
import { staleClaimsBefore } from '../claim';

/** Pages of channel history read when looking for a message whose ts was not saved (slack-app.ts). */
export const LOOKUP_PAGES = 10;

/**
 * Where the incident's message stands: `saved` (its ts is known), `claimed` (this attempt posts it),
 * `orphaned` (an attempt that is over claimed it and saved nothing: it may have been posted, look before
 * posting), `busy` (another attempt is posting it now).
 */
export type PostClaim =
  | { state: 'saved'; ts: string }
  | { state: 'claimed' }
  | { state: 'orphaned'; claimedAt: string }
  | { state: 'busy' };

/**
 * The Slack app's message per incident (table slack_messages): claimed before it is posted, its ts saved
 * once Slack answers. A claim is orphaned when the same notification claims again (its earlier attempt
 * ended, or the process delivering it died: deliveries of one notification never overlap) or when it is
 * older than a few request timeouts; only one attempt takes an orphaned claim over.
 */
export function slackPosts(db: Db, channel: string, slackChannel: string, timeoutMs: number) {
  const row = (incidentId: number) =>
    db
      .selectFrom('slack_messages')
      .select(['ts', 'claimed_at', 'claimed_by'])
      .where('channel', '=', channel)
      .where('incident_id', '=', incidentId)
      .executeTakeFirst();
  return {
    async saved(incidentId: number): Promise<string | undefined> {
      return (await row(incidentId))?.ts ?? undefined;
    },

    async claim(incidentId: number, by: number | undefined): Promise<PostClaim> {
      const claimedAt = new Date().toISOString();
      const inserted = await db
        .insertInto('slack_messages')
        .values({
          channel,
          incident_id: incidentId,
          slack_channel: slackChannel,
          ts: null,
          claimed_at: claimedAt,
          claimed_by: by ?? null,
        })
        .onConflict((oc) => oc.columns(['channel', 'incident_id']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { state: 'claimed' };
      const found = await row(incidentId);
      if (!found) return { state: 'busy' }; // released in between: the next attempt claims it
      if (found.ts !== null) return { state: 'saved', ts: found.ts };
      const over =
        (by !== undefined && found.claimed_by === by) ||
        found.claimed_at < staleClaimsBefore(timeoutMs, LOOKUP_PAGES + 1);
      if (!over) return { state: 'busy' };
      const taken = await db
        .updateTable('slack_messages')
        .set({ claimed_at: claimedAt, claimed_by: by ?? null })
        .where('channel', '=', channel)
        .where('incident_id', '=', incidentId)
        .where('ts', 'is', null)
        .where('claimed_at', '=', found.claimed_at)
        .executeTakeFirst();
      return Number(taken.numUpdatedRows) > 0
        ? { state: 'orphaned', claimedAt: found.claimed_at }
        : { state: 'busy' };
    },

    async save(incidentId: number, ts: string): Promise<void> {
      await db
        .updateTable('slack_messages')
        .set({ ts })
        .where('channel', '=', channel)
        .where('incident_id', '=', incidentId)
        .execute();
    },

    /** Slack refused the post (so nothing was posted): the next attempt need not look for it. */
    async release(incidentId: number): Promise<void> {
      await db
        .deleteFrom('slack_messages')
        .where('channel', '=', channel)
        .where('incident_id', '=', incidentId)
        .where('ts', 'is', null)
        .execute();
    },
  };
}
