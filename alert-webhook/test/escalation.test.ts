import request from 'supertest';
import { notification, startTestApp, tempDir } from './helpers';
import { startReceiver, type Receiver } from './fixtures/notify/receiver';

const MIN = 60_000;
const ACK_SECRET = 'an-ack-secret-of-at-least-32-characters!';

let ops: Receiver;
let pager: Receiver;
beforeAll(async () => {
  ops = await startReceiver(() => ({ status: 200 }));
  pager = await startReceiver(() => ({ status: 200 }));
});
afterAll(async () => {
  await ops.close();
  await pager.close();
});

const config = () => ({
  server: { public_url: 'http://vigil.example:9096' },
  api: { tokens: [{ name: 'alice', role: 'responder', token: { env: 'TOKEN' } }] },
  notifications: {
    channels: {
      ops: { kind: 'webhook', url: `${ops.url}/ops`, secret: { env: 'HOOK_SECRET' } },
      'alice-pager': { kind: 'webhook', url: `${pager.url}/alice`, secret: { env: 'HOOK_SECRET' } },
    },
    retry: { max_attempts: 2, initial_delay: '10ms', max_delay: '10ms' },
    ack_links: { secret: { env: 'ACK_SECRET' } },
  },
  users: [{ name: 'alice', channels: ['alice-pager'] }],
  escalation_policies: [
    {
      name: 'page-oncall',
      steps: [
        { kind: 'notify_users', users: ['alice'] },
        { kind: 'wait', duration: '5m' },
        { kind: 'notify_channels', channels: ['ops'] },
      ],
    },
  ],
  routing: {
    team: 'ops',
    channels: [],
    routes: [{ matchers: ['severity="critical"'], channels: ['ops'], escalation: 'page-oncall' }],
  },
});
const env = { TOKEN: 'tok', HOOK_SECRET: 'hook-secret', ACK_SECRET };

type App = Awaited<ReturnType<typeof startTestApp>>;

async function open(t: App, fingerprint: string) {
  await request(t.app)
    .post('/api/v1/alertmanager')
    .send(notification([{ fingerprint, labels: { severity: 'critical' } }], { groupKey: fingerprint }))
    .expect(200);
  await t.inbox.drained();
  await t.dispatcher.idle();
  const row = await t.db
    .selectFrom('incidents')
    .select(['id', 'opened_at'])
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  const escalation = await t.db
    .selectFrom('escalations')
    .select('next_at')
    .where('incident_id', '=', row.id)
    .executeTakeFirstOrThrow();
  return { id: row.id, start: Date.parse(escalation.next_at) };
}

async function tick(t: App, at: number) {
  const fired = await t.escalator.tick(new Date(at));
  await t.dispatcher.idle();
  return fired;
}

const incidentsIn = (r: Receiver) =>
  r.requests.map((q) => JSON.parse(q.body).incident as { incidentId: number; status: string });

describe('notifications and escalation', () => {
  it('notifies the route, escalates step by step, survives a restart without repeating a step', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const first = await startTestApp(config(), env, dir);
      const { id, start } = await open(first, 'esc-a');
      expect(incidentsIn(ops)).toContainEqual(
        expect.objectContaining({ incidentId: id, status: 'triggered' }),
      );
      const opsBefore = ops.requests.length;

      expect(await tick(first, start)).toBe(1); // step 1: alice's pager
      expect(incidentsIn(pager).filter((m) => m.incidentId === id)).toHaveLength(1);
      expect(await tick(first, start + 4 * MIN)).toBe(0);
      await first.close();

      // A new process on the same database resumes where the last one stopped.
      const second = await startTestApp(config(), env, dir);
      try {
        expect(await tick(second, start + 5 * MIN)).toBe(1); // step 2: the ops channel
        expect(await tick(second, start + 5 * MIN)).toBe(0);
        expect(await tick(second, start + 60 * MIN)).toBe(0); // no repeat configured: done
        expect(incidentsIn(pager).filter((m) => m.incidentId === id)).toHaveLength(1);
        expect(ops.requests.length).toBe(opsBefore + 1);

        const attempts = await second.db
          .selectFrom('delivery_attempts')
          .selectAll()
          .where('incident_id', '=', id)
          .execute();
        expect(attempts.map((a) => [a.channel, a.ok])).toEqual([
          ['ops', 1],
          ['alice-pager', 1],
          ['ops', 1],
        ]);
        const timeline = await second.db
          .selectFrom('timeline')
          .select(['kind', 'message'])
          .where('incident_id', '=', id)
          .execute();
        expect(timeline.filter((e) => e.kind === 'escalated').map((e) => e.message)).toEqual([
          'step 1 of page-oncall; notified alice (alice-pager)',
          'step 3 of page-oncall; notified ops',
        ]);
      } finally {
        await second.close();
      }
    } finally {
      cleanup();
    }
  });

  it('stops escalating at once when acknowledged through the signed link, and refuses a forged one', async () => {
    const t = await startTestApp(config(), env);
    try {
      const { id, start } = await open(t, 'esc-b');
      await tick(t, start);
      const sent = JSON.parse(pager.requests.at(-1)!.body).incident as { ackUrl: string };
      const path = new URL(sent.ackUrl).pathname;
      expect(path).toMatch(/^\/api\/v1\/ack\//);

      const page = await request(t.app).get(path).expect(200);
      expect(page.text).toContain('<form method="post">');
      expect(
        (await t.db.selectFrom('incidents').select('status').where('id', '=', id).executeTakeFirstOrThrow())
          .status,
      ).toBe('triggered'); // opening the link alone changes nothing
      await request(t.app)
        .post(`${path.slice(0, -3)}AAA`)
        .expect(403);
      const done = await request(t.app).post(path).expect(200);
      expect(done.text).toContain(`Incident #${id} acknowledged`);

      const incident = await t.db
        .selectFrom('incidents')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(incident).toMatchObject({ status: 'acknowledged', acknowledged_by: 'ack-link' });
      const opsBefore = ops.requests.length;
      expect(await tick(t, start + 60 * MIN)).toBe(0);
      expect(ops.requests.length).toBe(opsBefore);
    } finally {
      await t.close();
    }
  });

  it('sends the resolve notification to the route when the alerts resolve', async () => {
    const t = await startTestApp(config(), env);
    const seen = ops.requests.length;
    try {
      const { id } = await open(t, 'esc-c');
      await request(t.app)
        .post('/api/v1/alertmanager')
        .send(
          notification([{ fingerprint: 'esc-c', status: 'resolved', labels: { severity: 'critical' } }], {
            groupKey: 'esc-c',
          }),
        )
        .expect(200);
      await t.inbox.drained();
      await t.dispatcher.idle();
      expect(
        incidentsIn(ops)
          .slice(seen)
          .filter((m) => m.incidentId === id)
          .map((m) => m.status),
      ).toEqual(['triggered', 'resolved']);
      const escalation = await t.db
        .selectFrom('escalations')
        .select('phase')
        .where('incident_id', '=', id)
        .executeTakeFirstOrThrow();
      expect(escalation.phase).toBe('stopped');
    } finally {
      await t.close();
    }
  });

  it('records every failed attempt and gives up after the configured retries, without blocking other channels', async () => {
    const down = await startReceiver(() => ({ status: 503 }));
    try {
      const doc = config();
      doc.notifications.channels.ops = {
        kind: 'webhook',
        url: `${down.url}/down`,
        secret: { env: 'HOOK_SECRET' },
      };
      const t = await startTestApp(doc, env);
      try {
        const { id, start } = await open(t, 'esc-d');
        await tick(t, start);
        const attempts = await t.db
          .selectFrom('delivery_attempts')
          .select(['channel', 'attempt', 'ok', 'status_code'])
          .where('incident_id', '=', id)
          .execute();
        expect(attempts).toEqual(
          expect.arrayContaining([
            { channel: 'ops', attempt: 1, ok: 0, status_code: 503 },
            { channel: 'ops', attempt: 2, ok: 0, status_code: 503 },
            { channel: 'alice-pager', attempt: 1, ok: 1, status_code: 200 },
          ]),
        );
        const failed = await t.db
          .selectFrom('notifications')
          .select(['status', 'last_error'])
          .where('channel', '=', 'ops')
          .where('incident_id', '=', id)
          .executeTakeFirstOrThrow();
        expect(failed).toEqual({ status: 'failed', last_error: expect.stringContaining('503') });
        const metrics = await request(t.app).get('/metrics');
        expect(metrics.text).toContain(
          'vigil_notifications_total{integration="webhook",outcome="failed",channel="ops"} 1',
        );
      } finally {
        await t.close();
      }
    } finally {
      await down.close();
    }
  });
});
