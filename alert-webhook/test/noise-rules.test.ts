import { HttpClient } from '@vigil/service-kit';
import pino from 'pino';
import { parseConfig } from '../src/config';
import type { Db } from '../src/db/database';
import { createMetrics } from '../src/metrics';
import {
  countOpens,
  countToggles,
  lastOpened,
  lastToggle,
  nthOpen,
  recordChanges,
} from '../src/noise/changes';
import { startEscalations } from '../src/escalation/store';
import { NoiseControl } from '../src/noise/control';
import { buildDigestMessage } from '../src/noise/digest';
import { isFlapping, stopFlapping } from '../src/noise/flapping';
import { decideHold, recordHold } from '../src/noise/gate';
import { endedWindows, MaintenanceWindows, presentWindow, windowFor } from '../src/noise/maintenance';
import { AlertmanagerSilences } from '../src/noise/silences';
import { sendDueDigests, stormFor } from '../src/noise/storm';
import { parseMatchers } from '../src/routing/matchers';
import { startReceiver, type Receiver, type Reply } from './fixtures/notify/receiver';
import { captureLog, overriding } from './helpers';
import {
  addAlert,
  addChange,
  addIncident,
  addNotification,
  at,
  auditOf,
  MIN,
  timelineOf,
  withNoiseDb,
} from './support/noise-db';

// Noise control's rules, each on a bare migrated database set up for its edge, without an app (the app-level
// noise-* tests show them together). One file: the mutation run (mutation/modules.cjs) loads each test file
// again for every mutant, so the rules' tests share one.

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
      expect(await lastToggle(db, other)).toBe(at(2));
      await addChange(db, other, 'reopened', at(3));
      expect(await lastToggle(db, other)).toBe(at(3));
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
      const actors = await db
        .selectFrom('timeline')
        .select('actor')
        .union(db.selectFrom('audit_log').select('actor'))
        .execute();
      expect(actors).toEqual([{ actor: 'noise-control' }]);
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

  it('take in an incident opening while one is on, however few opened lately', async () => {
    await withNoiseDb(async (db) => {
      const [, , c] = await openAt(db, 'ops', [1, 2, 3]);
      const s = await stormFor(db, storm, c!, at(3));
      const [late] = await openAt(db, 'ops', [30]);
      expect(await stormFor(db, storm, late!, at(30))).toEqual(s);
    });
  });

  it('are recorded by whichever dispatcher gets there first, and started once', async () => {
    await withNoiseDb(async (db) => {
      const [, , c] = await openAt(db, 'ops', [1, 2, 3]);
      // Another dispatcher records the storm between this one's look and its insert.
      const racedInsert = ((table: 'storms') => {
        const insert = db.insertInto(table);
        if (table !== 'storms') return insert;
        const first = { team: 'ops', started_at: at(3), next_digest_at: at(3), ended_at: null };
        return {
          values: (row: object) => ({
            onConflict: (conflict: Parameters<ReturnType<typeof insert.values>['onConflict']>[0]) => ({
              executeTakeFirst: async () => {
                await db.insertInto('storms').values(first).execute();
                return insert
                  .values(row as typeof first)
                  .onConflict(conflict)
                  .executeTakeFirst();
              },
            }),
          }),
        };
      }) as unknown as Db['insertInto'];
      const s = await stormFor(overriding(db, { insertInto: racedInsert }), storm, c!, at(3));
      expect(s).toMatchObject({ team: 'ops', started_at: at(3) });
      expect(await db.selectFrom('storms').selectAll().execute()).toHaveLength(1);
      // The other dispatcher recorded its start.
      expect(await auditOf(db)).toEqual([]);
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

  it('holds for a maintenance window first, naming it; a resolve passes once people heard of the opening', async () => {
    await withNoiseDb(async (db) => {
      const id = await addIncident(db, { flapping_since: at(0) });
      await addAlert(db, id, { service: 'db' });
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
      await addAlert(db, id, { service: 'db' });
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

/** A digest holding one notification of each incident given (two for the first, as after an escalation). */
async function digestOf(db: Db, incidents: number[]): Promise<number> {
  const digest = await addNotification(db, incidents[0]!, { event: 'digest', hold_ref: '1' });
  for (const [i, id] of incidents.entries()) {
    const held = { status: 'held' as const, hold_reason: 'storm' as const, hold_ref: '1', digest_id: digest };
    await addNotification(db, id, held);
    if (i === 0) await addNotification(db, id, { ...held, event: 'escalation' });
  }
  return digest;
}

describe('a storm digest as a message', () => {
  it('lists each incident once, with its link, the highest severity and the services counted', async () => {
    await withNoiseDb(async (db) => {
      const a = await addIncident(db, { team: 'db ops', service: 'pg', severity: 'warning', title: 'lag' });
      const b = await addIncident(db, {
        team: 'db ops',
        service: 'pg',
        severity: 'critical',
        status: 'resolved',
      });
      const c = await addIncident(db, {
        team: 'db ops',
        service: null,
        severity: 'info',
        opened_at: '2026-11-22T10:05:00.000Z',
      });
      const digest = await digestOf(db, [a, b, c]);
      const message = await buildDigestMessage(db, digest, { grafanaUrl: 'https://grafana.example/' });
      expect(message).toEqual({
        incidentId: a,
        status: 'triggered',
        severity: 'critical',
        service: '2 services',
        team: 'db ops',
        title: 'Alert storm: 3 incidents for team db ops',
        alerts: [
          {
            labels: { incident: String(a), severity: 'warning', service: 'pg' },
            annotations: {
              summary: `#${a} [triggered] lag`,
              incident_url: `https://grafana.example/a/vigil-incidents-app/incidents/${a}`,
            },
            startsAt: '2026-11-22T10:00:00.000Z',
          },
          {
            labels: { incident: String(b), severity: 'critical', service: 'pg' },
            annotations: {
              summary: `#${b} [resolved] disk full`,
              incident_url: `https://grafana.example/a/vigil-incidents-app/incidents/${b}`,
            },
            startsAt: '2026-11-22T10:00:00.000Z',
          },
          {
            labels: { incident: String(c), severity: 'info' },
            annotations: {
              summary: `#${c} [triggered] disk full`,
              incident_url: `https://grafana.example/a/vigil-incidents-app/incidents/${c}`,
            },
            startsAt: '2026-11-22T10:05:00.000Z',
          },
        ],
        incidentUrl: 'https://grafana.example/a/vigil-incidents-app/incidents?team=db%20ops',
        ackUrl: '',
      });
    });
  });

  it('is resolved when every incident in it is, names one service, and has no links without a URL', async () => {
    await withNoiseDb(async (db) => {
      const a = await addIncident(db, { service: 'api', status: 'resolved' });
      const digest = await digestOf(db, [a]);
      const message = await buildDigestMessage(db, digest, {});
      expect(message.status).toBe('resolved');
      expect(message.service).toBe('api');
      expect(message.title).toBe('Alert storm: 1 incident for team (none)');
      expect(message.team).toBeNull();
      expect(message.incidentUrl).toBe('');
      expect(message.alerts[0]!.annotations).toEqual({ summary: `#${a} [resolved] disk full` });
    });
  });

  it('lists incidents without a service as an unknown one, and the team-less list unfiltered', async () => {
    await withNoiseDb(async (db) => {
      const a = await addIncident(db);
      const b = await addIncident(db);
      const message = await buildDigestMessage(db, await digestOf(db, [a, b]), {
        publicUrl: 'https://vigil.example',
      });
      expect(message.service).toBe('unknown service');
      expect(message.incidentUrl).toBe('https://vigil.example/api/v1/incidents');
    });
  });

  it('refuses a digest that carries nothing, naming it', async () => {
    await withNoiseDb(async (db) => {
      const a = await addIncident(db);
      const digest = await addNotification(db, a, { event: 'digest' });
      await expect(buildDigestMessage(db, digest, {})).rejects.toThrow(
        `digest ${digest} carries no notifications`,
      );
    });
  });
});

/** An Alertmanager stand-in answering as the v2 silences API does (or as `reply` says), recording requests. */
async function withAlertmanager(
  reply: (path: string, index: number) => Reply,
  fn: (silences: AlertmanagerSilences, am: Receiver) => Promise<void>,
) {
  const am = await startReceiver((req, i) => reply(req.path, i));
  try {
    const client = new HttpClient({ headers: {}, tls: { rejectUnauthorized: true }, timeoutMs: 2000 });
    await fn(new AlertmanagerSilences(`${am.url}//`, client), am);
  } finally {
    await am.close();
  }
}

const silenceOk = (path: string, i: number): Reply =>
  path === '/api/v2/silences'
    ? { status: 200, body: JSON.stringify({ silenceID: `s-${i}` }) }
    : { status: 200 };

const newWindow = (matchers: string, from: number, to: number, comment = '') => ({
  matchers: parseMatchers(matchers),
  starts_at: at(from),
  ends_at: at(to),
  comment,
});

describe('maintenance windows in the database', () => {
  it('cover an incident while active and matching every firing alert, or every alert once all resolved', async () => {
    await withNoiseDb(async (db) => {
      const windows = new MaintenanceWindows(db, captureLog().log);
      const db1 = await windows.create(newWindow('service="db"', 10, 20), 'alice', at(0));
      const both = await windows.create(newWindow('service=~"db|web"', 10, 20), 'alice', at(0));
      const id = await addIncident(db);
      await addAlert(db, id, { service: 'db' });
      await addAlert(db, id, { service: 'web' }, 'resolved');
      expect((await windowFor(db, id, at(10)))?.id).toBe(db1.id);
      expect(await windowFor(db, id, at(9))).toBeUndefined();
      expect(await windowFor(db, id, at(20))).toBeUndefined();
      // All resolved: judged on every alert, which only the second window covers.
      await db.updateTable('alerts').set({ status: 'resolved' }).execute();
      expect((await windowFor(db, id, at(15)))?.id).toBe(both.id);
      // Deleted at 12: covers until then.
      await windows.delete(both.id, 'bob', at(12));
      expect((await windowFor(db, id, at(11)))?.id).toBe(both.id);
      expect(await windowFor(db, id, at(12))).toBeUndefined();
      // An incident without alerts is covered by nothing.
      expect(await windowFor(db, await addIncident(db), at(15))).toBeUndefined();
    });
  });

  it('cover nothing with a stored regex that RE2 refuses', async () => {
    await withNoiseDb(async (db) => {
      const windows = new MaintenanceWindows(db, captureLog().log);
      const w = await windows.create(newWindow('service="db"', 10, 20), 'alice', at(0));
      await db.updateTable('maintenance_windows').set({ matchers: '["service=~\\"(d)\\\\1\\""]' }).execute();
      const id = await addIncident(db);
      await addAlert(db, id, { service: 'dd' });
      expect(await windowFor(db, id, at(15))).toBeUndefined();
      expect((await windows.get(w.id))?.id).toBe(w.id);
      // A corrupt row is an error, not a window that covers nothing.
      await db.updateTable('maintenance_windows').set({ matchers: '["service=' }).execute();
      await expect(windowFor(db, id, at(15))).rejects.toThrow(SyntaxError);
    });
  });

  it('are presented with their state, and listed while not over, by start', async () => {
    await withNoiseDb(async (db) => {
      const windows = new MaintenanceWindows(db, captureLog().log);
      const later = await windows.create(newWindow('service="a"', 30, 40, 'later'), 'alice', at(0));
      const now = await windows.create(newWindow('service="b"', 0, 20), 'alice', at(0));
      const gone = await windows.create(newWindow('service="c"', 0, 20), 'alice', at(0));
      await windows.create(newWindow('service="d"', 0, 5), 'alice', at(0));
      await windows.delete(gone.id, 'bob', at(1));
      expect((await windows.list(at(5))).map((w) => w.id)).toEqual([now.id, later.id]);
      expect(presentWindow(later, at(29)).state).toBe('upcoming');
      expect(presentWindow(later, at(30)).state).toBe('active');
      expect(presentWindow(later, at(40)).state).toBe('ended');
      const deleted = (await windows.get(gone.id))!;
      expect(presentWindow(deleted, at(0.5)).state).toBe('active');
      expect(presentWindow(deleted, at(1)).state).toBe('ended');
      // Deleted after its end: it ended at its end.
      expect(presentWindow({ ...later, deleted_at: at(50) }, at(45)).state).toBe('ended');
      expect(presentWindow(later, at(0))).toEqual({
        id: later.id,
        name: null,
        source: 'api',
        matchers: ['service="a"'],
        starts_at: at(30),
        ends_at: at(40),
        comment: 'later',
        created_by: 'alice',
        created_at: at(0),
        deleted_at: null,
        state: 'upcoming',
        alertmanager_silence: null,
      });
      expect(presentWindow({ ...later, silence_id: 's-1' }, at(0)).alertmanager_silence).toEqual({
        id: 's-1',
      });
      expect(presentWindow({ ...later, silence_error: 'refused' }, at(0)).alertmanager_silence).toEqual({
        error: 'refused',
      });
      // Deleting twice finds nothing the second time, and audits once.
      expect(await windows.delete(gone.id, 'bob', at(2))).toBeUndefined();
      const audit = await auditOf(db);
      expect(audit.map((a) => a.action)).toEqual([
        'maintenance_created',
        'maintenance_created',
        'maintenance_created',
        'maintenance_created',
        'maintenance_deleted',
      ]);
      expect(audit[4]!.details).toMatchObject({ id: gone.id, deleted_at: at(1), state: 'ended' });
    });
  });

  it('end when their end comes or they are deleted, until closed', async () => {
    await withNoiseDb(async (db) => {
      const windows = new MaintenanceWindows(db, captureLog().log);
      const a = await windows.create(newWindow('service="a"', 0, 10), 'alice', at(0));
      const b = await windows.create(newWindow('service="b"', 0, 60), 'alice', at(0));
      await windows.create(newWindow('service="c"', 0, 60), 'alice', at(0));
      await windows.delete(b.id, 'bob', at(5));
      expect((await endedWindows(db, at(4))).map((w) => w.id)).toEqual([]);
      expect((await endedWindows(db, at(5))).map((w) => w.id)).toEqual([b.id]);
      expect((await endedWindows(db, at(10))).map((w) => w.id).sort()).toEqual([a.id, b.id]);
    });
  });

  it('follow the configuration: added, changed and removed by name, API windows left alone', async () => {
    await withNoiseDb(async (db) => {
      const windows = new MaintenanceWindows(db, captureLog().log);
      const api = await windows.create(newWindow('service="api"', 0, 60), 'alice', at(0));
      const cfg = (name: string, matchers: string, to = 60, comment = '') => ({
        name,
        ...newWindow(matchers, 0, to, comment),
      });
      await windows.syncConfig([cfg('keep', 'a="1"'), cfg('change', 'b="1"'), cfg('drop', 'c="1"')], at(0));
      const first = await windows.list(at(0));
      const byName = (rows: typeof first) => new Map(rows.map((w) => [w.name, w]));
      await windows.syncConfig([cfg('keep', 'a="1"'), cfg('change', 'b="1"', 50)], at(1));
      let now = byName(await windows.list(at(1)));
      expect(now.get('keep')?.id).toBe(byName(first).get('keep')?.id);
      expect(now.get('change')?.id).not.toBe(byName(first).get('change')?.id);
      expect(now.get('change')?.ends_at).toBe(at(50));
      expect(now.has('drop')).toBe(false);
      expect(now.get(null)?.id).toBe(api.id);
      // Each field counts as a change: the matchers, the start, the comment.
      for (const changed of [
        cfg('keep', 'a="2"'),
        { ...cfg('keep', 'a="1"'), starts_at: at(1) },
        cfg('keep', 'a="1"', 60, 'why'),
      ]) {
        // From the same window each time, so that only this field differs.
        await windows.syncConfig([cfg('keep', 'a="1"'), cfg('change', 'b="1"', 50)], at(1));
        const before = byName(await windows.list(at(1))).get('keep')!;
        await windows.syncConfig([changed, cfg('change', 'b="1"', 50)], at(1));
        now = byName(await windows.list(at(1)));
        expect(now.get('keep')?.id).not.toBe(before.id);
      }
      const rows = await db
        .selectFrom('maintenance_windows')
        .selectAll()
        .where('source', '=', 'config')
        .execute();
      expect(rows.every((w) => w.created_by === 'config')).toBe(true);
      const actors = await db.selectFrom('audit_log').select(['actor', 'action']).distinct().execute();
      expect(actors.sort((x, y) => (x.actor + x.action).localeCompare(y.actor + y.action))).toEqual([
        { actor: 'alice', action: 'maintenance_created' },
        { actor: 'config', action: 'maintenance_created' },
        { actor: 'config', action: 'maintenance_deleted' },
      ]);
    });
  });
});

describe('maintenance windows as silences', () => {
  it("send Alertmanager each matcher's kind, and expire the silence on delete", async () => {
    await withAlertmanager(silenceOk, async (silences, am) => {
      await withNoiseDb(async (db) => {
        const windows = new MaintenanceWindows(db, captureLog().log, silences);
        const w = await windows.create(newWindow('a="1", b!="2", c=~"3", d!~"4"', 0, 60), 'alice', at(0));
        expect(w.silence_id).toBe('s-0');
        const [post] = am.requests;
        expect(post!.path).toBe('/api/v2/silences');
        expect(post!.headers['content-type']).toBe('application/json');
        expect(JSON.parse(post!.body)).toEqual({
          matchers: [
            { name: 'a', value: '1', isRegex: false, isEqual: true },
            { name: 'b', value: '2', isRegex: false, isEqual: false },
            { name: 'c', value: '3', isRegex: true, isEqual: true },
            { name: 'd', value: '4', isRegex: true, isEqual: false },
          ],
          startsAt: at(0),
          endsAt: at(60),
          createdBy: 'vigil (alice)',
          comment: `Vigil maintenance window ${w.id}`,
        });
        await db.updateTable('maintenance_windows').set({ silence_id: 's/0' }).execute();
        await windows.delete(w.id, 'bob', at(1));
        expect(am.requests[1]).toMatchObject({ path: '/api/v2/silence/s%2F0', body: '' });
        expect(am.requests[1]!.headers['content-type']).toBeUndefined();
        // A window already over gets no silence; one without a silence is expired without a request.
        const over = await windows.create(newWindow('a="1"', 0, 1, 'brief'), 'alice', at(1));
        expect(over.silence_id).toBeNull();
        await windows.delete(over.id, 'bob', at(2));
        expect(am.requests).toHaveLength(2);
      });
    });
  });

  it("keep the window with Alertmanager's own words when it refuses, and log what failed", async () => {
    const refuse = (path: string): Reply =>
      path === '/api/v2/silences'
        ? { status: 400, body: `bad matcher ${'x'.repeat(300)}` }
        : { status: 500, body: 'down' };
    await withAlertmanager(refuse, async (silences) => {
      await withNoiseDb(async (db) => {
        const { log, lines } = captureLog();
        const windows = new MaintenanceWindows(db, log, silences);
        const w = await windows.create(newWindow('a="1"', 0, 60, 'upgrade'), 'alice', at(0));
        expect(w.silence_id).toBeNull();
        expect(w.silence_error).toBe(
          `Alertmanager POST /api/v2/silences: HTTP 400 bad matcher ${'x'.repeat(188)}`,
        );
        expect(lines[0]).toMatchObject({
          msg: 'could not create the Alertmanager silence of a maintenance window',
          window: w.id,
        });
        await db.updateTable('maintenance_windows').set({ silence_id: 's-9' }).execute();
        await windows.delete(w.id, 'bob', at(1));
        expect(lines[1]).toMatchObject({
          msg: 'could not expire the Alertmanager silence of a maintenance window',
          window: w.id,
          err: { message: 'Alertmanager DELETE /api/v2/silence/s-9: HTTP 500 down' },
        });
      });
    });
  });

  it('log configured windows that could not be mirrored', async () => {
    await withAlertmanager(silenceOk, async (silences) => {
      await withNoiseDb(async (db) => {
        const { log, lines } = captureLog();
        // The silence is made, but recording it on the window fails.
        const failing = overriding(db, {
          updateTable: () => {
            throw new Error('disk I/O error');
          },
        });
        await new MaintenanceWindows(failing, log, silences).syncConfig(
          [{ name: 'n', ...newWindow('a="1"', 0, 60) }],
          at(0),
        );
        for (let i = 0; i < 100 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
        expect(lines).toEqual([
          expect.objectContaining({
            msg: 'could not mirror configured maintenance windows',
            err: expect.objectContaining({ message: 'disk I/O error' }),
          }),
        ]);
      });
    });
  });

  it('take only a 2xx for done', async () => {
    await withAlertmanager(
      () => ({ status: 300, body: '{"silenceID":"s-1"}' }),
      async (silences) => {
        await expect(silences.expire('s-1')).rejects.toThrow(
          'Alertmanager DELETE /api/v2/silence/s-1: HTTP 300',
        );
      },
    );
  });

  it('are made through the Alertmanager that noise control is configured with', async () => {
    await withAlertmanager(silenceOk, async (_, am) => {
      await withNoiseDb(async (db) => {
        const cfg = parseConfig({ noise: { alertmanager_silences: { url: am.url } } });
        const noise = new NoiseControl(db, cfg.noise, [], {
          log: pino({ level: 'silent' }),
          metrics: createMetrics(db, () => cfg),
          onQueued: () => undefined,
          alertmanagerHttp: cfg.alertmanagerHttp,
        });
        const w = await noise.windows.create(newWindow('a="1"', 0, 60), 'alice', at(0));
        expect(w.silence_id).toBe('s-0');
      });
    });
  });

  it('refuse an answer without a silence id', async () => {
    await withAlertmanager(
      () => ({ status: 200, body: '{"silenceID":7}' }),
      async (silences) => {
        await expect(
          silences.create({ matchers: [], startsAt: at(0), endsAt: at(1), createdBy: 'x', comment: '' }),
        ).rejects.toThrow('Alertmanager answered without a silenceID');
      },
    );
  });

  it('mirror configured windows in the background, logging what could not be mirrored', async () => {
    await withAlertmanager(silenceOk, async (silences, am) => {
      await withNoiseDb(async (db) => {
        const windows = new MaintenanceWindows(db, captureLog().log, silences);
        await windows.syncConfig([{ name: 'n', ...newWindow('a="1"', 0, 60, 'night') }], at(0));
        for (let i = 0; i < 100 && am.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
        expect(JSON.parse(am.requests[0]!.body)).toMatchObject({
          comment: 'night',
          createdBy: 'vigil (config)',
        });
        for (let i = 0; i < 100; i++) {
          const [row] = await windows.list(at(0));
          if (row?.silence_id) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        expect((await windows.list(at(0)))[0]!.silence_id).toBe('s-0');
        await windows.syncConfig([], at(1));
        for (let i = 0; i < 100 && am.requests.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
        expect(am.requests[1]!.path).toBe('/api/v2/silence/s-0');
      });
    });
  });
});

const route = JSON.stringify([{ path: [], key: '{}', team: 'ops', channels: ['team', 'pager'] }]);

function control(db: Db, noise: Record<string, unknown> = {}, windows: Record<string, unknown>[] = []) {
  const cfg = parseConfig({ noise, maintenance_windows: windows });
  const metrics = createMetrics(db, () => cfg);
  let queued = 0;
  const noiseControl = new NoiseControl(db, cfg.noise, cfg.maintenance_windows, {
    log: pino({ level: 'silent' }),
    metrics,
    onQueued: () => void (queued += 1),
  });
  const held = async () =>
    (await metrics.notificationsHeld.get()).values.map((v) => [v.labels.reason, v.value]);
  return { noise: noiseControl, held, queued: () => queued };
}

/** The db, whose next `times` transactions once armed fail as a lost race (or with `err`) before running. */
function racing(db: Db) {
  let attempts = 0;
  let failures = 0;
  let error: object = {};
  const wrapped = overriding(db, {
    transaction: () => {
      attempts += 1;
      if (attempts > failures) return db.transaction();
      return { execute: () => Promise.reject(error) } as unknown as ReturnType<Db['transaction']>;
    },
  });
  return {
    db: wrapped,
    arm: (times: number, err: object = { code: '40001' }) => {
      [attempts, failures, error] = [0, times, err];
    },
    attempts: () => attempts,
  };
}

/** A channel that takes digests, as most do. */
const DIGESTS = { digests: true };

const pending = async (db: Db) =>
  (
    await db
      .selectFrom('notifications')
      .select(['incident_id', 'event', 'channel'])
      .where('status', '=', 'pending')
      .orderBy('id')
      .execute()
  ).map((n) => [n.incident_id, n.event, n.channel]);

describe('noise control', () => {
  it('screens a notification: sent unless held, held ones recorded and counted; digests and the gone pass', async () => {
    await withNoiseDb(async (db) => {
      const { noise, held } = control(db, {}, [
        { name: 'night', matchers: ['service="db"'], starts_at: at(-60), ends_at: '2099-01-01T00:00:00Z' },
      ]);
      const covered = await addIncident(db, { service: 'db' });
      await addAlert(db, covered, { service: 'db' });
      const free = await addIncident(db);
      const now = new Date().toISOString();
      const hidden = await addNotification(db, covered, { created_at: now });
      const shown = await addNotification(db, free, { created_at: now });
      const digest = await addNotification(db, covered, { event: 'digest', created_at: now });
      expect(await noise.screen(shown, DIGESTS)).toBe(false);
      expect(await noise.screen(digest, DIGESTS)).toBe(false);
      expect(await noise.screen(9999, DIGESTS)).toBe(false);
      expect(await noise.screen(hidden, DIGESTS)).toBe(true);
      // No longer pending once held: screening it again holds nothing more.
      expect(await noise.screen(hidden, DIGESTS)).toBe(false);
      const rows = await db
        .selectFrom('notifications')
        .select(['id', 'status', 'hold_reason'])
        .orderBy('id')
        .execute();
      expect(rows).toEqual([
        { id: hidden, status: 'held', hold_reason: 'maintenance' },
        { id: shown, status: 'pending', hold_reason: null },
        { id: digest, status: 'pending', hold_reason: null },
      ]);
      expect(await held()).toEqual([
        ['flapping', 0],
        ['storm', 0],
        ['maintenance', 1],
      ]);
    });
  });

  it('decides in a transaction when flapping or storms may write, and counts each hold by reason', async () => {
    await withNoiseDb(async (db) => {
      const { noise, held } = control(db, { flapping: { transitions: 1, window: '30m' } });
      const id = await addIncident(db);
      const now = new Date();
      await addChange(db, id, 'resolved', new Date(now.getTime() - 2 * MIN).toISOString());
      await addChange(db, id, 'reopened', new Date(now.getTime() - MIN).toISOString());
      const n = await addNotification(db, id, { created_at: now.toISOString() });
      const digest = await addNotification(db, id, { event: 'digest', created_at: now.toISOString() });
      expect(await noise.screen(n, DIGESTS)).toBe(true);
      expect(await held()).toContainEqual(['flapping', 1]);
      // Flapping now, yet a digest passes, and a notification gone is not held.
      expect(await noise.screen(digest, DIGESTS)).toBe(false);
      expect(await noise.screen(9999, DIGESTS)).toBe(false);
      const row = await db.selectFrom('incidents').select('flapping_since').executeTakeFirstOrThrow();
      expect(row.flapping_since).toBe(now.toISOString());
    });
  });

  it('holds for a storm only on channels that take digests: elsewhere nothing would ever send what it held', async () => {
    await withNoiseDb(async (db) => {
      const { noise } = control(db, { storm: { incidents: 2, window: '10m', digest_interval: '5m' } });
      const [, , third] = await openAt(db, 'ops', [1, 2, 3]);
      const ticket = await addNotification(db, third!, { channel: 'jira', created_at: at(3) });
      const page = await addNotification(db, third!, { created_at: at(3) });
      expect(await noise.screen(ticket, { digests: false })).toBe(false);
      expect(await noise.screen(page, DIGESTS)).toBe(true);
    });
  });

  it('runs a decision again when a concurrent one won the race, up to five times, and no other error', async () => {
    await withNoiseDb(async (db) => {
      const settings = { flapping: { transitions: 5, window: '30m' } };
      const id = await addIncident(db);
      const n = await addNotification(db, id);
      const race = racing(db);
      const { noise } = control(race.db, settings);
      await noise.ready();
      race.arm(4);
      expect(await noise.screen(n, DIGESTS)).toBe(false);
      expect(race.attempts()).toBe(5);
      race.arm(5);
      await expect(noise.screen(n, DIGESTS)).rejects.toEqual({ code: '40001' });
      expect(race.attempts()).toBe(5);
      race.arm(1, { code: 'EIO' });
      await expect(noise.tick(new Date(at(0)))).rejects.toEqual({ code: 'EIO' });
      expect(race.attempts()).toBe(1);
    });
  });

  it('tells of incidents a finished window hid, once, if still triggered, and of calmed ones in their state', async () => {
    await withNoiseDb(async (db) => {
      const { noise, queued } = control(db, { flapping: { transitions: 1, window: '30m' } });
      await noise.tick(new Date(at(0)));
      expect(queued()).toBe(0);
      const window = await noise.windows.create(
        { matchers: parseMatchers('service="db"'), starts_at: at(0), ends_at: at(10), comment: '' },
        'alice',
        at(0),
      );
      const hidden = await addIncident(db, { route });
      const acked = await addIncident(db, { route, status: 'acknowledged' });
      const calmed = await addIncident(db, { route, status: 'resolved', flapping_since: at(0) });
      await addChange(db, calmed, 'resolved', at(5));
      // Their policies ran (held) to the end: the one still triggered starts again, the resolved one not.
      const [policy] = parseConfig(
        {
          notifications: {
            channels: { pager: { kind: 'webhook', url: 'http://127.0.0.1:9/', secret: { env: 'S' } } },
          },
          escalation_policies: [{ name: 'page', steps: [{ kind: 'notify_channels', channels: ['pager'] }] }],
        },
        { S: 'secret' },
      ).escalation_policies;
      await db.transaction().execute((tx) =>
        startEscalations(
          tx,
          [hidden, calmed].map((incidentId) => ({ incidentId, policy: policy! })),
          at(0),
        ),
      );
      await db.updateTable('escalations').set({ phase: 'done' }).execute();
      for (const id of [hidden, acked])
        for (const i of [0, 1])
          await addNotification(db, id, {
            status: 'held',
            hold_reason: 'maintenance',
            hold_ref: String(window.id),
            event: i ? 'escalation' : 'triggered',
          });
      await noise.tick(new Date(at(9)));
      expect(queued()).toBe(0);
      expect(await pending(db)).toEqual([]);

      await noise.tick(new Date(at(40)));
      expect(queued()).toBe(1);
      expect(await pending(db)).toEqual([
        [calmed, 'resolved', 'team'],
        [calmed, 'resolved', 'pager'],
        [hidden, 'triggered', 'team'],
        [hidden, 'triggered', 'pager'],
      ]);
      expect((await timelineOf(db, hidden)).at(-1)).toBe(
        `noise_cleared: maintenance window ${window.id} is over: notifying its current state (triggered); escalation restarts`,
      );
      const escalations = await db
        .selectFrom('escalations')
        .select(['incident_id', 'phase', 'updated_at'])
        .orderBy('incident_id')
        .execute();
      expect(escalations).toEqual([
        { incident_id: hidden, phase: 'active', updated_at: at(40) },
        { incident_id: calmed, phase: 'done', updated_at: at(0) },
      ]);
      expect((await timelineOf(db, calmed)).at(-1)).toBe(
        'noise_cleared: no longer flapping: notifying its current state (resolved)',
      );
      const closed = await noise.windows.get(window.id);
      expect(closed?.closed_at).toBe(at(40));
      // Once.
      await noise.tick(new Date(at(50)));
      expect(queued()).toBe(1);
      expect(await pending(db)).toHaveLength(4);
    });
  });

  it('queues due storm digests on a tick', async () => {
    await withNoiseDb(async (db) => {
      const { noise, queued } = control(db, { storm: { incidents: 1 } });
      const id = await addIncident(db, { team: 'ops' });
      const storm = await db
        .insertInto('storms')
        .values({ team: 'ops', started_at: at(0), next_digest_at: at(1), ended_at: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      await addNotification(db, id, { status: 'held', hold_reason: 'storm', hold_ref: String(storm.id) });
      await noise.tick(new Date(at(0)));
      expect(queued()).toBe(0);
      await noise.tick(new Date(at(1)));
      expect(queued()).toBe(1);
      expect(await pending(db)).toEqual([[id, 'digest', 'team']]);
    });
  });

  it('syncs the configured windows before the first decision, and tries again after a failure', async () => {
    await withNoiseDb(async (db) => {
      const windows = [{ name: 'night', matchers: ['service="db"'], starts_at: at(0), ends_at: at(60) }];
      const failing = racing(db);
      failing.arm(1, { code: 'EIO' });
      const { noise } = control(failing.db, {}, windows);
      await expect(noise.ready()).rejects.toEqual({ code: 'EIO' });
      await noise.ready();
      await noise.ready();
      expect(failing.attempts()).toBe(2);
      const rows = await db.selectFrom('maintenance_windows').select(['name', 'source']).execute();
      expect(rows).toEqual([{ name: 'night', source: 'config' }]);
    });
  });
});
