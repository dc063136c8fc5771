import pino from 'pino';
import { parseConfig } from '../src/config';
import type { Db } from '../src/db/database';
import { createMetrics } from '../src/metrics';
import { NoiseControl } from '../src/noise/control';
import { parseMatchers } from '../src/routing/matchers';
import { addChange, addIncident, addNotification, timelineOf, withNoiseDb } from './support/noise-db';

const MIN = 60_000;
const T0 = Date.parse('2026-11-22T10:00:00.000Z');
const at = (min: number) => new Date(T0 + min * MIN).toISOString();
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
  const wrapped = Object.create(db) as Db;
  wrapped.transaction = () => {
    attempts += 1;
    if (attempts > failures) return db.transaction();
    return { execute: () => Promise.reject(error) } as unknown as ReturnType<Db['transaction']>;
  };
  return {
    db: wrapped,
    arm: (times: number, err: object = { code: '40001' }) => {
      [attempts, failures, error] = [0, times, err];
    },
    attempts: () => attempts,
  };
}

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
      await db
        .insertInto('alerts')
        .values({
          incident_id: covered,
          fingerprint: 'f',
          starts_at: at(0),
          ends_at: null,
          status: 'firing',
          severity: 'warning',
          labels: '{"service":"db"}',
          annotations: '{}',
          generator_url: null,
          extra: '{}',
          last_seen_at: at(0),
        })
        .execute();
      const free = await addIncident(db);
      const now = new Date().toISOString();
      const hidden = await addNotification(db, covered, { created_at: now });
      const shown = await addNotification(db, free, { created_at: now });
      const digest = await addNotification(db, covered, { event: 'digest', created_at: now });
      expect(await noise.screen(shown)).toBe(false);
      expect(await noise.screen(digest)).toBe(false);
      expect(await noise.screen(9999)).toBe(false);
      expect(await noise.screen(hidden)).toBe(true);
      // No longer pending once held: screening it again holds nothing more.
      expect(await noise.screen(hidden)).toBe(false);
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
      expect(await noise.screen(digest)).toBe(false);
      expect(await noise.screen(n)).toBe(true);
      expect(await held()).toContainEqual(['flapping', 1]);
      const row = await db.selectFrom('incidents').select('flapping_since').executeTakeFirstOrThrow();
      expect(row.flapping_since).toBe(now.toISOString());
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
      expect(await noise.screen(n)).toBe(false);
      expect(race.attempts()).toBe(5);
      race.arm(5);
      await expect(noise.screen(n)).rejects.toEqual({ code: '40001' });
      expect(race.attempts()).toBe(5);
      race.arm(1, { code: 'EIO' });
      await expect(noise.tick(new Date(T0))).rejects.toEqual({ code: 'EIO' });
      expect(race.attempts()).toBe(1);
    });
  });

  it('tells of incidents a finished window hid, once, if still triggered, and of calmed ones in their state', async () => {
    await withNoiseDb(async (db) => {
      const { noise, queued } = control(db, { flapping: { transitions: 1, window: '30m' } });
      await noise.tick(new Date(T0));
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
      for (const id of [hidden, acked])
        for (const i of [0, 1])
          await addNotification(db, id, {
            status: 'held',
            hold_reason: 'maintenance',
            hold_ref: String(window.id),
            event: i ? 'escalation' : 'triggered',
          });
      await noise.tick(new Date(T0 + 9 * MIN));
      expect(queued()).toBe(0);
      expect(await pending(db)).toEqual([]);

      await noise.tick(new Date(T0 + 40 * MIN));
      expect(queued()).toBe(1);
      expect(await pending(db)).toEqual([
        [calmed, 'resolved', 'team'],
        [calmed, 'resolved', 'pager'],
        [hidden, 'triggered', 'team'],
        [hidden, 'triggered', 'pager'],
      ]);
      expect((await timelineOf(db, hidden)).at(-1)).toBe(
        `noise_cleared: maintenance window ${window.id} is over: notifying its current state (triggered)`,
      );
      expect((await timelineOf(db, calmed)).at(-1)).toBe(
        'noise_cleared: no longer flapping: notifying its current state (resolved)',
      );
      const closed = await noise.windows.get(window.id);
      expect(closed?.closed_at).toBe(at(40));
      // Once.
      await noise.tick(new Date(T0 + 50 * MIN));
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
      await noise.tick(new Date(T0));
      expect(queued()).toBe(0);
      await noise.tick(new Date(T0 + MIN));
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
