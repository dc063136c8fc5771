import type { Kysely } from 'kysely';
import type { Db } from '../db/database';
import type { SlackMessageTable, TicketTable } from '../db/schema';

/**
 * Claims made before this time (ISO-8601) were left by attempts that died: they may be taken over. A live
 * attempt holds its claim for at most `requests` requests of `timeoutMs` each (a lookup's pages, then the
 * create or post); two more timeouts are the margin for its database writes.
 */
export const staleClaimsBefore = (timeoutMs: number, requests: number, nowMs = Date.now()) =>
  new Date(nowMs - (requests + 2) * timeoutMs).toISOString();

/**
 * Where an incident's one object in another system (a Jira issue, a Slack message) stands: `saved` (made,
 * its reference known), `claimed` (this attempt makes it), `orphaned` (an attempt that is over claimed it
 * and saved nothing: it may have been made, look before making it), `busy` (another attempt is at it now,
 * or let it go just now: retried later).
 */
export type Claim =
  | { state: 'saved'; ref: string }
  | { state: 'claimed' }
  | { state: 'orphaned'; claimedAt: string }
  | { state: 'busy' };

/**
 * A table of such objects, a row per channel and incident, by the columns in which the tables differ: the
 * object's reference (`ref`: the key, the message's ts; null while claimed), when the row was
 * claimed (`claimedAt`, ISO-8601), and the row's other columns as it is claimed.
 */
export type ClaimTable = (
  | { table: 'tickets'; ref: 'key'; claimedAt: 'created_at'; columns: Pick<TicketTable, 'url'> }
  | {
      table: 'slack_messages';
      ref: 'ts';
      claimedAt: 'claimed_at';
      columns: Pick<SlackMessageTable, 'slack_channel'>;
    }
) & {
  /** The requests an attempt makes while it holds the claim (see staleClaimsBefore). */
  requests: number;
  timeoutMs: number;
};

type Row = Record<string, string | number | null>;

/**
 * The incident's object, claimed before it is made, so that neither a retry nor another replica makes a
 * second: its reference saved once the other system answers, the claim let go when it refuses. A claim is
 * orphaned when the same notification claims again (its earlier attempt ended, or the process delivering it
 * died: deliveries of one notification never overlap) or once it is stale; one attempt only takes it over.
 */
export function incidentClaims<T extends ClaimTable>(db: Db, channel: string, spec: T) {
  const { table, ref, claimedAt: at } = spec;
  // The two tables' columns are named by `spec`, not known to the query builder's types.
  const rows = db as unknown as Kysely<Record<string, Row>>;
  const row = (incidentId: number) =>
    rows
      .selectFrom(table)
      .select([ref, at, 'claimed_by'])
      .where('channel', '=', channel)
      .where('incident_id', '=', incidentId)
      .executeTakeFirst();
  return {
    async saved(incidentId: number): Promise<string | undefined> {
      return ((await row(incidentId))?.[ref] as string | null | undefined) ?? undefined;
    },

    async claim(incidentId: number, by: number | undefined): Promise<Claim> {
      const claimedAt = new Date().toISOString();
      const inserted = await rows
        .insertInto(table)
        .values({
          ...spec.columns,
          channel,
          incident_id: incidentId,
          [ref]: null,
          [at]: claimedAt,
          claimed_by: by ?? null,
        })
        .onConflict((oc) => oc.columns(['channel', 'incident_id']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) > 0) return { state: 'claimed' };
      const found = await row(incidentId);
      if (!found) return { state: 'busy' };
      if (found[ref] !== null) return { state: 'saved', ref: String(found[ref]) };
      const claimedBefore = String(found[at]);
      const over =
        (by !== undefined && found.claimed_by === by) ||
        claimedBefore < staleClaimsBefore(spec.timeoutMs, spec.requests);
      if (!over) return { state: 'busy' };
      const taken = await rows
        .updateTable(table)
        .set({ [at]: claimedAt, claimed_by: by ?? null })
        .where('channel', '=', channel)
        .where('incident_id', '=', incidentId)
        .where(ref, 'is', null)
        .where(at, '=', claimedBefore)
        .executeTakeFirst();
      return Number(taken.numUpdatedRows) > 0
        ? { state: 'orphaned', claimedAt: claimedBefore }
        : { state: 'busy' };
    },

    /** The object is made: its reference, and any column that goes with it (the link). */
    async save(
      incidentId: number,
      value: string,
      also: Partial<Extract<ClaimTable, { table: T['table'] }>['columns']> = {},
    ): Promise<void> {
      await rows
        .updateTable(table)
        .set({ ...also, [ref]: value })
        .where('channel', '=', channel)
        .where('incident_id', '=', incidentId)
        .execute();
    },

    /** The other system refused (so nothing was made): the next attempt need not look for it. */
    async release(incidentId: number): Promise<void> {
      await rows
        .deleteFrom(table)
        .where('channel', '=', channel)
        .where('incident_id', '=', incidentId)
        .where(ref, 'is', null)
        .execute();
    },
  };
}
