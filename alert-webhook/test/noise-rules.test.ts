import type { Db } from '../src/db/database';
import {
  countOpens,
  countToggles,
  lastOpened,
  lastToggle,
  nthOpen,
  recordChanges,
} from '../src/noise/changes';
import { isFlapping, stopFlapping } from '../src/noise/flapping';
import { decideHold, recordHold } from '../src/noise/gate';
import { sendDueDigests, stormFor } from '../src/noise/storm';
import {
  addChange,
  addIncident,
  addNotification,
  auditOf,
  timelineOf,
  withNoiseDb,
} from './support/noise-db';

const MIN = 60_000;
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
/** The time `min` minutes after T0. */
const at = (min: number) => new Date(T0 + min * MIN).toISOString();

const flapping = { transitions: 2, window: 30 * MIN };
const storm = { incidents: 2, window: 10 * MIN, digest_interval: 5 * MIN };

describe('incident changes, as noise control counts them', () => {
  it('counts resolves and reopens in (from, to], not openings or acknowledgements', async () => {
    await withNoiseDb(async (db) => {
      const id = await addIncident(db);
      await recordChanges(db, [
        { incidentId: id, team: null, change: 'opened', at: at(0) },
        { incidentId: id, team: null, change: 'resolved', at: at(1) },
        { incidentId: id, team: null, change: 'reopened', at: at(2) },
        { incidentId: id, team: null, change: 'acknowledged', at: at(3) },
        { incidentId: id, team: null, change: 'resolved', at: at(4) },
      ]);
      await recordChanges(db, []);
      const other = await addIncident(db);
      await addChange(db, other, 'resolved', at(2));
      expect(await countToggles(db, id, at(1), at(4))).toBe(2);
      expect(await countToggles(db, id, at(0), at(3))).toBe(2);
      expect(await countToggles(db, id, at(0), at(9))).toBe(3);
      expect(await lastToggle(db, id)).toBe(at(4));
      expect(await lastToggle(db, await addIncident(db))).toBeUndefined();
      expect(await lastOpened(db, id, at(1))).toBe(at(0));
      expect(await lastOpened(db, id, at(2))).toBe(at(2));
      expect(await lastOpened(db, id, at(9))).toBe(at(2));
      const teams = await db.selectFrom('incident_changes').select('team').distinct().execute();
      expect(teams).toEqual([{ team: '' }]);
    });
  });

  it("counts a team's openings in (from, to], and finds the nth in order", async () => {
    await withNoiseDb(async (db) => {
      const [a, b, c] = [await addIncident(db), await addIncident(db), await addIncident(db)];
      await addChange(db, c, 'opened', at(3), 'ops');
      await addChange(db, a, 'opened', at(1), 'ops');
      await addChange(db, b, 'opened', at(1), 'ops');
      await addChange(db, a, 'resolved', at(2), 'ops');
      await addChange(db, a, 'reopened', at(4), 'ops');
      await addChange(db, b, 'opened', at(2), 'db');
      expect(await countOpens(db, 'ops', at(1), at(4))).toBe(2);
      expect(await countOpens(db, 'ops', at(0), at(3))).toBe(3);
      expect(await nthOpen(db, 'ops', at(0), at(9), 0)).toBe(at(1));
      expect(await nthOpen(db, 'ops', at(0), at(9), 2)).toBe(at(3));
      expect(await nthOpen(db, 'ops', at(0), at(9), 3)).toBe(at(4));
      expect(await nthOpen(db, 'ops', at(0), at(9), 4)).toBeUndefined();
    });
  });
});

describe('flapping', () => {
  it('marks an incident flapping once its toggles in the window exceed the limit, and says so', async () => {
    await withNoiseDb(async (db) => {
      const id = await addIncident(db);
      await addChange(db, id, 'resolved', at(0)); // outside the window at 31
      await addChange(db, id, 'reopened', at(2));
      await addChange(db, id, 'resolved', at(3));
      // Two toggles in the 30 minutes to 31: not more than 2.
      expect(await isFlapping(db, flapping, id, 'triggered', at(31))).toBe(false);
      await addChange(db, id, 'reopened', at(31));
      // Escalation steps never decide it, however many toggles.
      expect(await isFlapping(db, flapping, id, 'escalation', at(31))).toBe(false);
      expect(await isFlapping(db, flapping, id, 'resolved', at(31))).toBe(true);
      const row = await db.selectFrom('incidents').select('flapping_since').executeTakeFirstOrThrow();
      expect(row.flapping_since).toBe(at(31));
      expect(await timelineOf(db, id)).toEqual([
        'flapping: flapping: resolved or reopened 3 times in 30m; notifications are held until it has been quiet for 30m',
      ]);
      expect(await auditOf(db)).toEqual([
        { action: 'flapping_started', incident_id: id, details: { toggles: 3, window_ms: 30 * MIN } },
      ]);
      // Once flapping, every notification of it is: escalations too, and nothing is recorded again.
      expect(await isFlapping(db, flapping, id, 'escalation', at(90))).toBe(true);
      expect(await timelineOf(db, id)).toHaveLength(1);
    });
  });

  it('writes a window of seconds as seconds', async () => {
    await withNoiseDb(async (db) => {
      const id = await addIncident(db);
      await addChange(db, id, 'resolved', at(0));
      await addChange(db, id, 'reopened', at(0.5));
      expect(await isFlapping(db, { transitions: 1, window: 90_000 }, id, 'triggered', at(1))).toBe(true);
      expect((await timelineOf(db, id))[0]).toContain('2 times in 90s');
    });
  });

  it('ends for incidents quiet for the whole window, and only those', async () => {
    await withNoiseDb(async (db) => {
      const quiet = await addIncident(db, { flapping_since: at(0) });
      const noisy = await addIncident(db, { flapping_since: at(0) });
      const never = await addIncident(db, { flapping_since: at(0) });
      await addIncident(db); // not flapping
      await addChange(db, quiet, 'resolved', at(10));
      await addChange(db, quiet, 'opened', at(15)); // an opening is not a toggle
      await addChange(db, noisy, 'reopened', at(10));
      await addChange(db, noisy, 'resolved', at(11));
      // At 40, `quiet` last toggled exactly 30 minutes ago: quiet for the whole window.
      expect(await stopFlapping(db, flapping, at(40))).toEqual([quiet, never]);
      const rows = await db.selectFrom('incidents').select(['id', 'flapping_since']).orderBy('id').execute();
      expect(rows.map((r) => r.flapping_since)).toEqual([null, at(0), null, null]);
      expect(await timelineOf(db, quiet)).toEqual(['flapping_stopped: quiet for 30m: no longer flapping']);
      expect(await timelineOf(db, noisy)).toEqual([]);
      expect(await auditOf(db)).toEqual([
        { action: 'flapping_stopped', incident_id: quiet, details: { quiet_since: at(10) } },
        { action: 'flapping_stopped', incident_id: never, details: { quiet_since: null } },
      ]);
      expect(await stopFlapping(db, flapping, at(41))).toEqual([noisy]);
    });
  });
});

/** `count` incidents of team `team` opened at the given minutes, in order. */
async function openAt(db: Db, team: string | null, minutes: number[]): Promise<number[]> {
  const ids: number[] = [];
  for (const m of minutes) {
    const id = await addIncident(db, { team, opened_at: at(m) });
    await addChange(db, id, 'opened', at(m), team ?? '');
    ids.push(id);
  }
  return ids;
}

describe('storms', () => {
  it('start with the opening that took the team over the threshold, recorded once', async () => {
    await withNoiseDb(async (db) => {
      const [a, b, c, d] = await openAt(db, 'ops', [1, 2, 3, 4]);
      // Not over the threshold (2) when the second opened.
      expect(await stormFor(db, storm, b!, at(2))).toBeUndefined();
      expect(await db.selectFrom('storms').selectAll().execute()).toEqual([]);
      // The third did; judged later, the storm still starts at the third opening.
      const s = await stormFor(db, storm, d!, at(4));
      expect(s).toMatchObject({ team: 'ops', started_at: at(3), next_digest_at: at(3), ended_at: null });
      expect(await stormFor(db, storm, c!, at(3))).toEqual(s);
      // The incidents that opened before it are notified one by one.
      expect(await stormFor(db, storm, a!, at(4))).toBeUndefined();
      expect(await auditOf(db)).toEqual([
        { action: 'storm_started', incident_id: null, details: { storm: s!.id, team: 'ops', incidents: 4 } },
      ]);
      expect(await db.selectFrom('storms').selectAll().execute()).toHaveLength(1);
    });
  });

  it('count openings within the window only, and an incident never opened is in none', async () => {
    await withNoiseDb(async (db) => {
      const [, , late] = await openAt(db, null, [0, 1, 10]);
      // At 10 the window (0, 10] holds the openings at 1 and 10: two, not more than two.
      expect(await stormFor(db, storm, late!, at(10))).toBeUndefined();
      const unopened = await addIncident(db);
      expect(await stormFor(db, storm, unopened, at(10))).toBeUndefined();
      const [last] = await openAt(db, null, [10]);
      expect(await stormFor(db, storm, last!, at(10))).toMatchObject({ team: '', started_at: at(10) });
    });
  });

  it('send one digest per channel and recipient for what was held, then end once the team calms down', async () => {
    await withNoiseDb(async (db) => {
      const [a, b] = await openAt(db, 'ops', [1, 2]);
      const s = await db
        .insertInto('storms')
        .values({ team: 'ops', started_at: at(1), next_digest_at: at(5), ended_at: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      const held = { status: 'held' as const, hold_reason: 'storm' as const, hold_ref: String(s.id) };
      const team1 = await addNotification(db, a!, held);
      const team2 = await addNotification(db, b!, held);
      const alice = await addNotification(db, b!, { ...held, channel: 'pager', recipient: 'alice' });
      const bob = await addNotification(db, a!, { ...held, channel: 'pager', recipient: 'bob' });
      const flapped = await addNotification(db, a!, { ...held, hold_reason: 'flapping', hold_ref: null });
      const otherStorm = await addNotification(db, a!, { ...held, hold_ref: String(s.id + 1) });

      expect(await sendDueDigests(db, storm, at(4))).toBe(0);
      expect(await sendDueDigests(db, storm, at(5))).toBe(3);
      const digests = await db
        .selectFrom('notifications')
        .selectAll()
        .where('event', '=', 'digest')
        .orderBy('channel')
        .orderBy('recipient')
        .execute();
      expect(digests.map((d) => [d.channel, d.recipient, d.incident_id, d.status, d.hold_ref])).toEqual([
        ['pager', 'alice', b, 'pending', String(s.id)],
        ['pager', 'bob', a, 'pending', String(s.id)],
        ['team', null, a, 'pending', String(s.id)],
      ]);
      expect(digests.every((d) => d.created_at === at(5) && d.attempts === 0 && d.digest_id === null)).toBe(
        true,
      );
      const digestOf = async (id: number) =>
        (
          await db
            .selectFrom('notifications')
            .select('digest_id')
            .where('id', '=', id)
            .executeTakeFirstOrThrow()
        ).digest_id;
      const [pagerAlice, pagerBob, team] = digests.map((d) => d.id);
      expect(await digestOf(team1)).toBe(team);
      expect(await digestOf(team2)).toBe(team);
      expect(await digestOf(alice)).toBe(pagerAlice);
      expect(await digestOf(bob)).toBe(pagerBob);
      expect(await digestOf(flapped)).toBeNull();
      expect(await digestOf(otherStorm)).toBeNull();

      // Two openings in the 10 minutes to 5: not more than the threshold, so the storm is over.
      const row = await db.selectFrom('storms').selectAll().executeTakeFirstOrThrow();
      expect(row.ended_at).toBe(at(5));
      expect((await auditOf(db)).at(-1)).toEqual({
        action: 'storm_ended',
        incident_id: null,
        details: { storm: s.id, team: 'ops' },
      });
      expect(await sendDueDigests(db, storm, at(20))).toBe(0);
    });
  });

  it('carry on while the team is still over the threshold, the next digest an interval later', async () => {
    await withNoiseDb(async (db) => {
      const [a] = await openAt(db, 'ops', [1, 2, 3]);
      const s = await db
        .insertInto('storms')
        .values({ team: 'ops', started_at: at(3), next_digest_at: at(3), ended_at: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      await addNotification(db, a!, { status: 'held', hold_reason: 'storm', hold_ref: String(s.id) });
      expect(await sendDueDigests(db, storm, at(4))).toBe(1);
      const row = await db.selectFrom('storms').selectAll().executeTakeFirstOrThrow();
      expect(row).toMatchObject({ ended_at: null, next_digest_at: at(9) });
      // Nothing held since: no digest, but the storm is still judged.
      expect(await sendDueDigests(db, storm, at(9))).toBe(0);
      expect((await db.selectFrom('storms').selectAll().executeTakeFirstOrThrow()).next_digest_at).toBe(
        at(14),
      );
      expect(await auditOf(db)).toEqual([]);
    });
  });
});

describe('the gate', () => {
  const settings = { flapping, storm };

  async function windowOver(db: Db, matchers: string[], name: string | null, from: number, to: number) {
    const row = await db
      .insertInto('maintenance_windows')
      .values({
        name,
        source: 'api',
        matchers: JSON.stringify(matchers),
        starts_at: at(from),
        ends_at: at(to),
        comment: '',
        created_by: 'alice',
        created_at: at(0),
        deleted_at: null,
        closed_at: null,
        silence_id: null,
        silence_error: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async function alertOf(db: Db, incidentId: number, labels: Record<string, string>) {
    await db
      .insertInto('alerts')
      .values({
        incident_id: incidentId,
        fingerprint: JSON.stringify(labels),
        starts_at: at(0),
        ends_at: null,
        status: 'firing',
        severity: 'warning',
        labels: JSON.stringify(labels),
        annotations: '{}',
        generator_url: null,
        extra: '{}',
        last_seen_at: at(0),
      })
      .execute();
  }

  it('holds for a maintenance window first, naming it; a resolve passes once people heard of the opening', async () => {
    await withNoiseDb(async (db) => {
      const id = await addIncident(db, { flapping_since: at(0) });
      await alertOf(db, id, { service: 'db' });
      const w = await windowOver(db, ['service="db"'], 'upgrade', 0, 60);
      const queued = { id: 0, incident_id: id, event: 'triggered' as const, created_at: at(1) };
      expect(await decideHold(db, settings, queued)).toEqual({
        reason: 'maintenance',
        ref: String(w),
        why: `notifications suppressed by maintenance window ${w} (upgrade) until ${at(60)}`,
      });
      // Nobody heard of it opening (its triggered notification was held): its resolve is held too.
      await addNotification(db, id, { status: 'held', hold_reason: 'maintenance', hold_ref: String(w) });
      const resolve = { ...queued, event: 'resolved' as const };
      expect((await decideHold(db, settings, resolve))?.reason).toBe('maintenance');
      // Once it was told, alone or in a storm's digest, the resolve passes the window (to flapping here).
      await addNotification(db, id, { status: 'held', hold_reason: 'storm', hold_ref: '1' });
      expect(await decideHold(db, settings, resolve)).toEqual({ reason: 'flapping', ref: null });
    });
  });

  it('names an unnamed window by id, and passes what no active window covers', async () => {
    await withNoiseDb(async (db) => {
      const id = await addIncident(db);
      await alertOf(db, id, { service: 'db' });
      const w = await windowOver(db, ['service="db"'], null, 0, 60);
      await windowOver(db, ['service="web"'], 'other', 0, 60);
      const queued = { id: 0, incident_id: id, event: 'triggered' as const, created_at: at(1) };
      expect((await decideHold(db, settings, queued))?.why).toBe(
        `notifications suppressed by maintenance window ${w} until ${at(60)}`,
      );
      expect(await decideHold(db, settings, { ...queued, created_at: at(60) })).toBeUndefined();
      expect(await decideHold(db, {}, { ...queued, created_at: at(60) })).toBeUndefined();
    });
  });

  it("holds for a storm of the incident's team, named (none) without a team", async () => {
    await withNoiseDb(async (db) => {
      const [, , c] = await openAt(db, null, [1, 2, 3]);
      const queued = { id: 0, incident_id: c!, event: 'triggered' as const, created_at: at(3) };
      const hold = await decideHold(db, settings, queued);
      const s = await db.selectFrom('storms').select('id').executeTakeFirstOrThrow();
      expect(hold).toEqual({
        reason: 'storm',
        ref: String(s.id),
        why: 'alert storm for team (none): notifications go out in digests',
      });
      const [, , d] = await openAt(db, 'ops', [4, 5, 6]);
      expect((await decideHold(db, settings, { ...queued, incident_id: d!, created_at: at(6) }))?.why).toBe(
        'alert storm for team ops: notifications go out in digests',
      );
      expect(await decideHold(db, { flapping }, queued)).toBeUndefined();
    });
  });

  it('records a hold, with a timeline entry the first time for each reason and window', async () => {
    await withNoiseDb(async (db) => {
      const id = await addIncident(db);
      const first = await addNotification(db, id);
      const second = await addNotification(db, id, { event: 'escalation' });
      const third = await addNotification(db, id, { event: 'resolved' });
      const fourth = await addNotification(db, id, { event: 'resolved' });
      const window = { reason: 'maintenance' as const, ref: '7', why: 'window 7' };
      await recordHold(
        db,
        { id: first, incident_id: id, event: 'triggered', created_at: at(0) },
        window,
        at(1),
      );
      await recordHold(
        db,
        { id: second, incident_id: id, event: 'escalation', created_at: at(0) },
        window,
        at(2),
      );
      await recordHold(
        db,
        { id: third, incident_id: id, event: 'resolved', created_at: at(0) },
        { ...window, ref: '8', why: 'window 8' },
        at(3),
      );
      // Flapping has its own timeline entry: none here.
      await recordHold(
        db,
        { id: fourth, incident_id: id, event: 'resolved', created_at: at(0) },
        { reason: 'flapping', ref: null },
        at(4),
      );
      expect(await timelineOf(db, id)).toEqual([
        'notifications_held: window 7',
        'notifications_held: window 8',
      ]);
      const rows = await db
        .selectFrom('notifications')
        .select(['status', 'hold_reason', 'hold_ref', 'updated_at'])
        .orderBy('id')
        .execute();
      expect(rows).toEqual([
        { status: 'held', hold_reason: 'maintenance', hold_ref: '7', updated_at: at(1) },
        { status: 'held', hold_reason: 'maintenance', hold_ref: '7', updated_at: at(2) },
        { status: 'held', hold_reason: 'maintenance', hold_ref: '8', updated_at: at(3) },
        { status: 'held', hold_reason: 'flapping', hold_ref: null, updated_at: at(4) },
      ]);
    });
  });
});
