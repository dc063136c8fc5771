import type { Kysely, Selectable } from 'kysely';
import type { MaintenanceWindow } from '@vigil/api-contract';
import type { Logger } from 'pino';
import type { Db } from '../db/database';
import type { DatabaseSchema, MaintenanceWindowTable } from '../db/schema';
import {
  formatMatcher,
  MatcherSyntaxError,
  matchesAll,
  parseMatchers,
  type Labels,
  type Matcher,
} from '../routing/matchers';
import type { ConfigWindow } from './config';
import type { AlertmanagerSilences } from './silences';

type Tx = Kysely<DatabaseSchema>;
type WindowRow = Selectable<MaintenanceWindowTable>;

export interface NewWindow {
  matchers: Matcher[];
  starts_at: string;
  ends_at: string;
  comment: string;
}

/** Deleting a window ends it early; its end is whichever comes first. */
const endOf = (w: WindowRow) =>
  w.deleted_at !== null && w.deleted_at < w.ends_at ? w.deleted_at : w.ends_at;

const matchersOf = (w: WindowRow) => (JSON.parse(w.matchers) as string[]).flatMap(parseMatchers);

/**
 * Whether the window covers every one of these label sets. A window stored before matchers became RE2 whose
 * regex RE2 refuses (a backreference, a lookaround) covers nothing: notifying is the safe side.
 */
function covers(w: WindowRow, labels: Labels[]): boolean {
  let matchers: Matcher[];
  try {
    matchers = matchersOf(w);
  } catch (err) {
    if (err instanceof MatcherSyntaxError) return false;
    throw err;
  }
  return labels.every((l) => matchesAll(matchers, l));
}

export function presentWindow(w: WindowRow, now: string): MaintenanceWindow {
  const end = endOf(w);
  return {
    id: w.id,
    name: w.name,
    source: w.source,
    matchers: JSON.parse(w.matchers) as string[],
    starts_at: w.starts_at,
    ends_at: w.ends_at,
    comment: w.comment,
    created_by: w.created_by,
    created_at: w.created_at,
    deleted_at: w.deleted_at,
    // Ended first: a window deleted before its start has ended (it never begins), not still upcoming.
    state: now >= end ? 'ended' : now < w.starts_at ? 'upcoming' : 'active',
    alertmanager_silence: w.silence_id
      ? { id: w.silence_id }
      : w.silence_error
        ? { error: w.silence_error }
        : null,
  };
}

/** The first window active at `at` that covers every firing alert of the incident (all of them once resolved). */
export async function windowFor(tx: Tx, incidentId: number, at: string): Promise<WindowRow | undefined> {
  const windows = await tx
    .selectFrom('maintenance_windows')
    .selectAll()
    .where('starts_at', '<=', at)
    .where('ends_at', '>', at)
    .where((eb) => eb.or([eb('deleted_at', 'is', null), eb('deleted_at', '>', at)]))
    .orderBy('id')
    .execute();
  if (windows.length === 0) return undefined;
  const alerts = await tx
    .selectFrom('alerts')
    .select(['labels', 'status'])
    .where('incident_id', '=', incidentId)
    .execute();
  const firing = alerts.filter((a) => a.status === 'firing');
  const labels = (firing.length > 0 ? firing : alerts).map(
    (a) => JSON.parse(a.labels) as Record<string, string>,
  );
  if (labels.length === 0) return undefined;
  return windows.find((w) => covers(w, labels));
}

/** Windows whose end has come and not yet been handled; the caller handles and closes each. */
export async function endedWindows(tx: Tx, now: string): Promise<WindowRow[]> {
  return tx
    .selectFrom('maintenance_windows')
    .selectAll()
    .where('closed_at', 'is', null)
    .where((eb) => eb.or([eb('ends_at', '<=', now), eb('deleted_at', '<=', now)]))
    .execute();
}

export async function closeWindow(tx: Tx, id: number, now: string): Promise<void> {
  await tx.updateTable('maintenance_windows').set({ closed_at: now }).where('id', '=', id).execute();
}

/**
 * Maintenance windows in the database, from the API and from the configuration, each optionally mirrored as
 * an Alertmanager silence. A silence that cannot be made is recorded on the window, which works regardless.
 */
export class MaintenanceWindows {
  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly silences?: AlertmanagerSilences,
  ) {}

  async list(now: string): Promise<WindowRow[]> {
    return this.db
      .selectFrom('maintenance_windows')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('ends_at', '>', now)
      .orderBy('starts_at')
      .orderBy('id')
      .execute();
  }

  async get(id: number): Promise<WindowRow | undefined> {
    return this.db.selectFrom('maintenance_windows').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Stores the window, then (when configured) creates its silence, whose outcome the returned row shows. */
  async create(w: NewWindow, actor: string, now: string): Promise<WindowRow> {
    const row = await this.db
      .transaction()
      .execute((tx) => insertWindow(tx, w, { actor, source: 'api' }, now));
    return this.silence(row, now);
  }

  /** Ends the window now (it stays in the database for the record); undefined if there is no such window left. */
  async delete(id: number, actor: string, now: string): Promise<WindowRow | undefined> {
    const row = await this.db.transaction().execute((tx) => deleteWindow(tx, id, actor, now));
    if (row) await this.unsilence(row);
    return row;
  }

  /**
   * Makes the configured windows the database's `config` windows, in one transaction: new ones are added,
   * changed ones replaced, removed ones deleted. Windows made through the API are left alone. Their silences
   * follow in the background: a slow Alertmanager must not hold up notifications.
   */
  async syncConfig(windows: readonly ConfigWindow[], now: string): Promise<void> {
    const { added, removed } = await this.db.transaction().execute(async (tx) => {
      const stored = await tx
        .selectFrom('maintenance_windows')
        .selectAll()
        .where('source', '=', 'config')
        .where('deleted_at', 'is', null)
        .execute();
      const byName = new Map(stored.map((w) => [w.name, w]));
      const changes = { added: [] as WindowRow[], removed: [] as WindowRow[] };
      const remove = async (id: number) => {
        const gone = await deleteWindow(tx, id, 'config', now);
        if (gone) changes.removed.push(gone);
      };
      for (const w of windows) {
        const existing = byName.get(w.name);
        byName.delete(w.name);
        const unchanged =
          existing &&
          existing.matchers === JSON.stringify(w.matchers.map(formatMatcher)) &&
          existing.starts_at === w.starts_at &&
          existing.ends_at === w.ends_at &&
          existing.comment === w.comment;
        if (unchanged) continue;
        if (existing) await remove(existing.id);
        changes.added.push(
          await insertWindow(tx, w, { actor: 'config', source: 'config', name: w.name }, now),
        );
      }
      for (const gone of byName.values()) await remove(gone.id);
      return changes;
    });
    void Promise.all([
      ...removed.map((w) => this.unsilence(w)),
      ...added.map((w) => this.silence(w, now)),
    ]).catch((err: unknown) => this.log.error({ err }, 'could not mirror configured maintenance windows'));
  }

  private async unsilence(row: WindowRow): Promise<void> {
    if (!row.silence_id || !this.silences) return;
    try {
      await this.silences.expire(row.silence_id);
    } catch (err) {
      this.log.error(
        { err, window: row.id },
        'could not expire the Alertmanager silence of a maintenance window',
      );
    }
  }

  private async silence(row: WindowRow, now: string): Promise<WindowRow> {
    if (!this.silences || row.ends_at <= now) return row;
    let update: { silence_id: string } | { silence_error: string };
    try {
      const id = await this.silences.create({
        matchers: matchersOf(row),
        startsAt: row.starts_at,
        endsAt: row.ends_at,
        createdBy: `vigil (${row.created_by})`,
        comment: row.comment || `Vigil maintenance window ${row.id}`,
      });
      update = { silence_id: id };
    } catch (err) {
      this.log.error(
        { err, window: row.id },
        'could not create the Alertmanager silence of a maintenance window',
      );
      update = { silence_error: (err as Error).message };
    }
    return this.db
      .updateTable('maintenance_windows')
      .set(update)
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  }
}

async function insertWindow(
  tx: Tx,
  w: NewWindow,
  who: { actor: string; source: 'api' | 'config'; name?: string },
  now: string,
): Promise<WindowRow> {
  const created = await tx
    .insertInto('maintenance_windows')
    .values({
      name: who.name ?? null,
      source: who.source,
      matchers: JSON.stringify(w.matchers.map(formatMatcher)),
      starts_at: w.starts_at,
      ends_at: w.ends_at,
      comment: w.comment,
      created_by: who.actor,
      created_at: now,
      deleted_at: null,
      closed_at: null,
      silence_id: null,
      silence_error: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await audit(tx, who.actor, 'maintenance_created', now, presentWindow(created, now));
  return created;
}

async function deleteWindow(tx: Tx, id: number, actor: string, now: string): Promise<WindowRow | undefined> {
  const deleted = await tx
    .updateTable('maintenance_windows')
    .set({ deleted_at: now })
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  if (deleted) await audit(tx, actor, 'maintenance_deleted', now, presentWindow(deleted, now));
  return deleted;
}

async function audit(tx: Tx, actor: string, action: string, at: string, details: unknown) {
  await tx
    .insertInto('audit_log')
    .values({ at, actor, action, incident_id: null, details: JSON.stringify(details) })
    .execute();
}
