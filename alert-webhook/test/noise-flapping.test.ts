import request from 'supertest';
import { startTestApp } from './helpers';
import { startReceiver, type Receiver } from './fixtures/notify/receiver';
import { BACKENDS, stopTestPostgres } from './support/backends';
import {
  asViewer,
  deliver,
  env,
  heldMetric,
  noiseConfig,
  notificationsOf,
  sent,
  settle,
} from './fixtures/noise';

const MIN = 60_000;

// A receiver per test: what each test's incidents sent, and nothing else.
let receiver: Receiver;
beforeEach(async () => {
  receiver = await startReceiver(() => ({ status: 200 }));
});
afterEach(() => receiver.close());
afterAll(stopTestPostgres);

const config = () =>
  noiseConfig(receiver, {
    incidents: { reopen_window: '1h' },
    noise: { flapping: { transitions: 2, window: '30m' } },
    escalation_policies: [{ name: 'page', steps: [{ kind: 'notify_channels', channels: ['pager'] }] }],
    routing: { team: 'ops', channels: ['team'], escalation: 'page' },
  });

// Alert times a few minutes back: an incident resolves at its alerts' end, and reopen_window counts from there.
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * MIN).toISOString();
const firing = (startsAt: number) => [{ fingerprint: 'flap', startsAt: minutesAgo(startsAt) }];
const resolved = (startsAt: number) => [
  {
    fingerprint: 'flap',
    startsAt: minutesAgo(startsAt),
    endsAt: minutesAgo(startsAt - 5),
    status: 'resolved' as const,
  },
];

describe.each(BACKENDS)('flapping on %s', (backend) => {
  it('holds the notifications of an incident that toggles too often, records why, and notifies once when it calms down', async () => {
    const t = await startTestApp(config(), env, undefined, backend);
    try {
      const id = await deliver(t, 'flap', firing(30));
      await t.escalator.tick();
      await settle(t);
      await deliver(t, 'flap', resolved(30)); // toggle 1
      await deliver(t, 'flap', firing(20)); // toggle 2: reopened
      expect(sent(receiver).map((s) => [s.path, s.incident.status])).toEqual([
        ['/team', 'triggered'],
        ['/pager', 'triggered'],
        ['/team', 'resolved'],
        ['/team', 'triggered'],
      ]);

      await deliver(t, 'flap', resolved(20)); // toggle 3: more than 2
      await deliver(t, 'flap', firing(10)); // toggle 4
      await t.escalator.tick(); // the reopened incident's first step comes due, and is held too
      await settle(t);
      expect(sent(receiver)).toHaveLength(4);

      const held = (await notificationsOf(t, id)).filter((n) => n.status === 'held');
      expect(held.map((n) => [n.event, n.channel, n.hold_reason])).toEqual([
        ['resolved', 'team', 'flapping'],
        ['triggered', 'team', 'flapping'],
        ['escalation', 'pager', 'flapping'],
      ]);
      expect(await heldMetric(t, 'flapping')).toBe(3);
      const shown = await request(t.app).get(`/api/v1/incidents/${id}`).set(asViewer).expect(200);
      expect(shown.body.flapping_since).toEqual(expect.any(String));
      expect(shown.body.timeline.map((e: { kind: string }) => e.kind)).toContain('flapping');
      const audit = await t.db
        .selectFrom('audit_log')
        .select(['action', 'actor'])
        .where('incident_id', '=', id)
        .execute();
      expect(audit).toContainEqual({ action: 'flapping_started', actor: 'noise-control' });

      // Still flapping until it has been quiet for the whole window.
      const now = Date.now();
      await t.noise.tick(new Date(now + 29 * MIN));
      await settle(t);
      expect(sent(receiver)).toHaveLength(4);

      await t.noise.tick(new Date(now + 31 * MIN));
      await t.escalator.tick(new Date(now + 31 * MIN));
      await settle(t);
      // The held notice and the escalation step go out concurrently: their order is not promised.
      expect(
        sent(receiver)
          .slice(4)
          .map((s) => [s.path, s.incident.status])
          .sort(),
      ).toEqual([
        ['/pager', 'triggered'],
        ['/team', 'triggered'],
      ]);
      const after = await request(t.app).get(`/api/v1/incidents/${id}`).set(asViewer).expect(200);
      expect(after.body.flapping_since).toBeNull();
      expect(after.body.timeline.map((e: { kind: string }) => e.kind)).toContain('flapping_stopped');

      // Once only.
      await t.noise.tick(new Date(now + 40 * MIN));
      await settle(t);
      expect(sent(receiver)).toHaveLength(6);
    } finally {
      await t.close();
    }
  });

  it('leaves incidents that toggle no more than allowed alone', async () => {
    const t = await startTestApp(config(), env, undefined, backend);
    try {
      const id = await deliver(t, 'calm', firing(30));
      await deliver(t, 'calm', resolved(30));
      await deliver(t, 'calm', firing(20));
      expect((await notificationsOf(t, id)).every((n) => n.status === 'sent')).toBe(true);
      expect(receiver.requests.length).toBe(3);
      expect(await heldMetric(t, 'flapping')).toBe(0);
    } finally {
      await t.close();
    }
  });
});
