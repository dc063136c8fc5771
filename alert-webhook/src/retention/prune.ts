import { sql, type Kysely } from 'kysely';
import type { Db } from '../db/database';
import { isPostgres } from '../db/postgres';
import { CATCH_UP_LIMIT_MS } from '../reports/schedule';
import type { RetentionConfig } from './config';

/** The tables pruning deletes from, as metric labels. */
export const PRUNED_TABLES = [
  'inbox',
  'audit_log',
  'notifications',
  'delivery_attempts',
  'incidents',
  'alerts',
  'timeline',
  'escalations',
  'incident_changes',
  'slack_messages',
  'tickets',
  'postmortems',
  'postmortem_action_items',
] as const;
export type PrunedTable = (typeof PRUNED_TABLES)[number];
export type PruneCounts = Partial<Record<PrunedTable, number>>;

/** A period of whole days is calendar days (reports/schedule.ts): across a DST change up to 2 h longer (Troll's). */
const DST_SHIFT_MS = 2 * 3_600_000;

/** The rows that refer to an incident, deleted with it, children first (foreign keys). A table keyed by incident goes here. */
export const INCIDENT_CHILDREN = [
  'delivery_attempts',
  'notifications',
  'escalations',
  'timeline',
  'alerts',
  'incident_changes',
  'slack_messages',
  'tickets',
  'postmortem_action_items',
  'postmortems',
] as const;

export interface PruneOptions {
  retention: RetentionConfig;
  /** The longest period of the scheduled reports: incidents opened within it (and the catch-up) are kept. */
  reportPeriodMs: number;
  now: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One batch of deletions per call: at most `batch_size` rows of one table (or a fiftieth as many
 * incidents with their rows), in one short transaction. Resolves with what it deleted; an empty result
 * means nothing is left to prune.
 */
export async function pruneBatch(db: Db, o: PruneOptions): Promise<PruneCounts> {
  const { retention: r, now } = o;
  const limit = r.batch_size;
  if (r.inbox > 0) {
    const ids = db
      .selectFrom('inbox')
      .select('id')
      .where('processed_at', 'is not', null)
      .where('received_at', '<', iso(now - r.inbox))
      .orderBy('id')
      .limit(limit);
    const n = await deleted(db.deleteFrom('inbox').where('id', 'in', ids).executeTakeFirst());
    if (n > 0) return { inbox: n };
  }
  if (r.audit > 0) {
    const ids = db
      .selectFrom('audit_log')
      .select('id')
      .where('at', '<', iso(now - r.audit))
      .orderBy('id')
      .limit(limit);
    const n = await deleted(db.deleteFrom('audit_log').where('id', 'in', ids).executeTakeFirst());
    if (n > 0) return { audit_log: n };
  }
  if (r.notifications > 0) {
    const counts = await pruneNotifications(db, iso(now - r.notifications), limit);
    if (counts) return counts;
  }
  if (r.incidents > 0) {
    // Kept while a report still to be sent may cover them, however short retention.incidents is: its period
    // and the period before, which each report compares with, and a missed report is sent up to a week late.
    const reportCutoff =
      o.reportPeriodMs > 0 ? now - 2 * (o.reportPeriodMs + DST_SHIFT_MS) - CATCH_UP_LIMIT_MS : now;
    const counts = await pruneIncidents(db, iso(now - r.incidents), iso(reportCutoff), limit);
    if (counts) return counts;
  }
  return {};
}

async function deleted(result: Promise<{ numDeletedRows: bigint }>): Promise<number> {
  return Number((await result).numDeletedRows);
}

async function pruneNotifications(db: Db, before: string, limit: number) {
  return db.transaction().execute(async (tx) => {
    const ids = (
      await tx
        .selectFrom('notifications')
        .select('id')
        .where('status', 'in', ['sent', 'failed'])
        .where('updated_at', '<', before)
        .orderBy('id')
        .limit(limit)
        .execute()
    ).map((row) => row.id);
    if (ids.length === 0) return undefined;
    const attempts = await deleted(
      tx.deleteFrom('delivery_attempts').where('notification_id', 'in', ids).executeTakeFirst(),
    );
    const notifications = await deleted(
      tx.deleteFrom('notifications').where('id', 'in', ids).executeTakeFirst(),
    );
    return { notifications, delivery_attempts: attempts };
  });
}

async function pruneIncidents(db: Db, resolvedBefore: string, openedBefore: string, limit: number) {
  return db.transaction().execute(async (tx) => {
    const ids = (
      await tx
        .selectFrom('incidents')
        .select('id')
        .where('status', '=', 'resolved')
        .where('resolved_at', '<', resolvedBefore)
        .where('opened_at', '<', openedBefore)
        .orderBy('id')
        .limit(Math.max(1, Math.ceil(limit / 50)))
        // PostgreSQL: waits for a merge that read one of them (merge-state.ts) to commit first.
        .$if(isPostgres(tx as unknown as Kysely<unknown>), (q) => q.forUpdate())
        .execute()
    ).map((row) => row.id);
    if (ids.length === 0) return undefined;
    const counts: PruneCounts = {};
    for (const table of INCIDENT_CHILDREN) {
      counts[table] = await deleted(tx.deleteFrom(table).where('incident_id', 'in', ids).executeTakeFirst());
    }
    counts.incidents = await deleted(tx.deleteFrom('incidents').where('id', 'in', ids).executeTakeFirst());
    return counts;
  });
}

/** The database's size in bytes: the SQLite file's pages, or PostgreSQL's pg_database_size. */
export async function databaseSize(db: Db): Promise<number> {
  if (isPostgres(db as Kysely<unknown>)) {
    const { rows } = await sql<{ n: number }>`select pg_database_size(current_database()) as n`.execute(db);
    return Number(rows[0]?.n ?? 0);
  }
  const { rows } = await sql<{
    n: number;
  }>`select page_count * page_size as n from pragma_page_count(), pragma_page_size()`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/**
 * SQLite with auto_vacuum = incremental: gives up to `pages` free pages back to the file system, so the
 * file shrinks after pruning. Elsewhere (PostgreSQL's autovacuum; a SQLite file made before incremental
 * vacuum, whose free pages are reused instead) nothing.
 */
export async function vacuumIncrementally(db: Db, pages: number): Promise<void> {
  if (isPostgres(db as Kysely<unknown>)) return;
  const { rows } = await sql<{ auto_vacuum: number }>`pragma auto_vacuum`.execute(db);
  if (rows[0]?.auto_vacuum === 2) await sql`pragma incremental_vacuum(${sql.lit(pages)})`.execute(db);
}
