import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Db } from './database';
import { isPostgres } from './postgres';
import type { DatabaseSchema } from './schema';

/** The Alertmanager group a snapshot belongs to: merges of one group never run side by side. */
interface Grouped {
  payload: { receiver: string; groupKey: string };
}

/** A group's advisory lock key: the first 8 bytes of a SHA-256, as a signed 64-bit integer. */
export function groupLockKey(receiver: string, groupKey: string): bigint {
  return createHash('sha256').update(receiver).update('\u0000').update(groupKey).digest().readBigInt64BE(0);
}

/**
 * Takes these advisory locks in key order (two transactions sharing keys cannot deadlock), held to the
 * end of the transaction, in one round trip; `seqscanOff` turns sequential scans off in the same one.
 */
export async function lockInOrder(
  tx: Transaction<DatabaseSchema>,
  keys: Iterable<bigint>,
  { seqscanOff = false } = {},
): Promise<void> {
  const sorted = [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (sorted.length === 0 && !seqscanOff) return;
  const setting = sql.raw(seqscanOff ? `(select set_config('enable_seqscan', 'off', true)), ` : '');
  await sql`select ${setting}count(pg_advisory_xact_lock(k))
    from unnest(${sorted.map(String)}::bigint[]) as k`.execute(tx);
}

/**
 * On PostgreSQL merges run READ COMMITTED under their groups' advisory locks (lockGroups), not
 * SERIALIZABLE: two replicas merging the same group wait for each other instead of one of them failing
 * and retrying the whole batch, and merges of different groups never conflict (SERIALIZABLE's predicate
 * locks on shared index pages made them abort each other). On SQLite, one writer at a time as ever.
 */
export function mergeTransaction(db: Db) {
  const tx = db.transaction();
  return isPostgres(db as Kysely<unknown>) ? tx.setIsolationLevel('read committed') : tx;
}

/**
 * Takes the advisory locks of the batch's groups, in key order (two batches sharing groups cannot
 * deadlock), held to the end of the transaction. Statements after it see what the previous holder
 * committed. Also keeps the planner off sequential scans: on a young table (not analyzed yet) it takes
 * the alerts lookup by fingerprint for a scan of the whole table, which made every merge slower than the last.
 */
export async function lockGroups(tx: Transaction<DatabaseSchema>, snapshots: Grouped[]): Promise<void> {
  if (!isPostgres(tx as unknown as Kysely<unknown>)) return;
  const keys = snapshots.map((s) => groupLockKey(s.payload.receiver, s.payload.groupKey));
  await lockInOrder(tx, keys, { seqscanOff: true });
}

/**
 * A person's action on an incident takes its group's lock too (PostgreSQL), so that it never interleaves
 * with a merge of that group: a merge resolving the incident between the action's read and its write
 * would otherwise resolve it twice. Waiting for a merge makes the action's own (SERIALIZABLE) update fail
 * as a conflict, answered 503 and retried by the caller, instead.
 */
export async function lockIncidentGroup(tx: Transaction<DatabaseSchema>, incidentId: number): Promise<void> {
  if (!isPostgres(tx as unknown as Kysely<unknown>)) return;
  const incident = await tx
    .selectFrom('incidents')
    .select(['receiver', 'group_key'])
    .where('id', '=', incidentId)
    .executeTakeFirst();
  if (!incident) return;
  const key = groupLockKey(incident.receiver, incident.group_key);
  await sql`select pg_advisory_xact_lock(${String(key)}::bigint)`.execute(tx);
}
