import request from 'supertest';
import { notification, startTestApp } from './helpers';
import { startReceiver, type Receiver } from './fixtures/notify/receiver';

let ops: Receiver;
let t: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  // The second delivery is refused once, so one notification has a failed attempt and a retry.
  let calls = 0;
  ops = await startReceiver(() => (++calls === 1 ? { status: 503 } : { status: 200 }));
  t = await startTestApp(
    {
      api: {
        tokens: [
          { name: 'dash', role: 'viewer', token: { env: 'VIEWER' } },
          { name: 'alice', role: 'responder', token: { env: 'RESPONDER' } },
        ],
      },
      notifications: {
        channels: { ops: { kind: 'webhook', url: `${ops.url}/ops`, secret: { env: 'HOOK_SECRET' } } },
        retry: { max_attempts: 2, initial_delay: '10ms', max_delay: '10ms' },
      },
      routing: { team: 'ops', channels: ['ops'], routes: [] },
    },
    { VIEWER: 'v', RESPONDER: 'r', HOOK_SECRET: 'hook-secret' },
  );
});
afterAll(async () => {
  await t.close();
  await ops.close();
});

const as = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('GET /api/v1/whoami', () => {
  it("answers the calling token's name and role", async () => {
    expect((await request(t.app).get('/api/v1/whoami').set(as('v')).expect(200)).body).toEqual({
      name: 'dash',
      role: 'viewer',
    });
    expect((await request(t.app).get('/api/v1/whoami').set(as('r')).expect(200)).body).toEqual({
      name: 'alice',
      role: 'responder',
    });
  });

  it('refuses a missing or unknown token with 401', async () => {
    await request(t.app).get('/api/v1/whoami').expect(401);
    const res = await request(t.app).get('/api/v1/whoami').set(as('nope')).expect(401);
    expect(res.body.error.code).toBe('unauthorized');
  });
});

describe('GET /api/v1/incidents/{id}/notifications', () => {
  it('lists what was sent for the incident with each delivery attempt', async () => {
    await request(t.app)
      .post('/api/v1/alertmanager')
      .send(notification([{ fingerprint: 'n1' }], { groupKey: 'n1' }))
      .expect(200);
    await t.inbox.drained();
    await t.dispatcher.idle();
    const { id } = await t.db.selectFrom('incidents').select('id').executeTakeFirstOrThrow();

    const res = await request(t.app).get(`/api/v1/incidents/${id}/notifications`).set(as('v')).expect(200);
    expect(res.body.items).toEqual([
      expect.objectContaining({
        event: 'triggered',
        channel: 'ops',
        status: 'sent',
        attempts: 2,
        deliveries: [
          expect.objectContaining({ attempt: 1, ok: false, status_code: 503, target: `${ops.url}/ops` }),
          expect.objectContaining({ attempt: 2, ok: true, status_code: 200 }),
        ],
      }),
    ]);
  });

  it('answers 404 for an unknown incident or a bad id and 401 without a token', async () => {
    await request(t.app).get('/api/v1/incidents/999/notifications').set(as('v')).expect(404);
    const bad = await request(t.app).get('/api/v1/incidents/x/notifications').set(as('v')).expect(404);
    expect(bad.body.error.message).toMatch(/incident "x" does not exist/);
    await request(t.app).get('/api/v1/incidents/1/notifications').expect(401);
  });
});
