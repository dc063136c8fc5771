import request from 'supertest';
import { notification, startTestApp } from './helpers';
import { startReceiver, type Receiver } from './fixtures/notify/receiver';
import { BACKENDS, stopTestPostgres } from './support/backends';
import { env, heldMetric, noiseConfig, sent, settle, type App } from './fixtures/noise';

const N = 3;
const SEC = 1000;

// A receiver per test: what each test's incidents sent, and nothing else.
let receiver: Receiver;
beforeEach(async () => {
  receiver = await startReceiver(() => ({ status: 200 }));
});
afterEach(() => receiver.close());
afterAll(stopTestPostgres);

const config = () =>
  noiseConfig(receiver, {
    noise: { storm: { incidents: N, window: '1m', digest_interval: '1m' } },
    escalation_policies: [{ name: 'page', steps: [{ kind: 'notify_channels', channels: ['pager'] }] }],
    routing: { team: 'ops', channels: ['team'], escalation: 'page' },
  });

/** Opens incidents for separate alert groups, as Alertmanager delivers them, all at once. */
async function openMany(t: App, keys: string[]) {
  await Promise.all(
    keys.map((key) =>
      request(t.app)
        .post('/api/v1/alertmanager')
        .send(notification([{ fingerprint: key, labels: { service: key } }], { groupKey: key }))
        .expect(200),
    ),
  );
  await settle(t);
}

const ids = async (t: App) =>
  (await t.db.selectFrom('incidents').select('id').orderBy('id').execute()).map((r) => r.id);

describe.each(BACKENDS)('alert storms on %s', (backend) => {
  it(`bundles a storm of ${N + 5} incidents in a minute into one digest per channel instead of ${N + 5} pages`, async () => {
    const t = await startTestApp(config(), env, undefined, backend);
    try {
      const keys = Array.from({ length: N + 5 }, (_, i) => `storm-${i}`);
      // One at a time, so that which incidents came first (and were paged) is known.
      for (const key of keys) await openMany(t, [key]);
      await t.escalator.tick();
      await settle(t);
      const incidents = await ids(t);
      const [early, stormed] = [incidents.slice(0, N), incidents.slice(N)];

      // The first N were paged as usual, on the route's channel and by their escalation policy.
      const individual = sent(receiver);
      expect(individual.map((s) => [s.path, s.incident.incidentId]).sort()).toEqual(
        [...early.map((id) => ['/team', id]), ...early.map((id) => ['/pager', id])].sort(),
      );
      const held = await t.db
        .selectFrom('notifications')
        .select(['incident_id', 'event', 'hold_reason', 'hold_ref'])
        .where('status', '=', 'held')
        .orderBy('id')
        .execute();
      expect(new Set(held.map((h) => h.incident_id))).toEqual(new Set(stormed));
      expect(held.every((h) => h.hold_reason === 'storm' && h.hold_ref === held[0]!.hold_ref)).toBe(true);
      expect(held.filter((h) => h.event === 'triggered')).toHaveLength(5);
      expect(held.filter((h) => h.event === 'escalation')).toHaveLength(5);
      expect(await heldMetric(t, 'storm')).toBe(10);

      // The storm's first digest goes out at the next tick: one per channel, listing the five.
      const now = Date.now();
      await t.noise.tick(new Date(now));
      await settle(t);
      const digests = sent(receiver).slice(individual.length);
      expect(digests.map((d) => d.path).sort()).toEqual(['/pager', '/team']);
      for (const d of digests) {
        expect(d.incident.title).toBe('Alert storm: 5 incidents for team ops');
        expect(d.incident.alerts.map((a) => Number(a.labels.incident))).toEqual(stormed);
      }
      const audit = await t.db.selectFrom('audit_log').select(['action', 'details']).execute();
      expect(audit.find((a) => a.action === 'storm_started')?.details).toContain('"team":"ops"');

      // A later incident in the storm waits for the next digest, a digest interval later.
      await openMany(t, ['storm-late']);
      const late = (await ids(t)).at(-1);
      await t.noise.tick(new Date(now + 30 * SEC));
      await settle(t);
      expect(sent(receiver)).toHaveLength(individual.length + 2);
      await t.noise.tick(new Date(now + 61 * SEC));
      await settle(t);
      const next = sent(receiver).slice(individual.length + 2);
      expect(next.map((d) => [d.path, d.incident.title, d.incident.alerts.length])).toEqual([
        ['/team', 'Alert storm: 1 incident for team ops', 1],
      ]);
      expect(Number(next[0]!.incident.alerts[0]!.labels.incident)).toBe(late);

      // Nothing opened in the last minute by then: the storm is over.
      const storm = await t.db.selectFrom('storms').selectAll().executeTakeFirstOrThrow();
      expect(storm.ended_at).toBe(new Date(now + 61 * SEC).toISOString());
      // N + 6 incidents reached the team's channel as N pages and two digests.
      expect(sent(receiver).filter((s) => s.path === '/team')).toHaveLength(N + 2);
    } finally {
      await t.close();
    }
  });

  it('counts storms per team: another team opening at the same rate is not one', async () => {
    const t = await startTestApp(config(), env, undefined, backend);
    try {
      for (let i = 0; i < N; i++) {
        await openMany(t, [`a-${i}`]);
        await request(t.app)
          .post('/api/v1/alertmanager')
          .send(notification([{ fingerprint: `b-${i}`, labels: { team: 'db' } }], { groupKey: `b-${i}` }))
          .expect(200);
        await settle(t);
      }
      expect(receiver.requests.length).toBe(2 * N);
      expect(await heldMetric(t, 'storm')).toBe(0);
      expect(await t.db.selectFrom('storms').selectAll().execute()).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
