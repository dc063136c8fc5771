import request from 'supertest';
import { notification, startTestApp } from './helpers';

// Issue 16, item 8: a resource has one URL; other spellings of its id are 404.

const env = { VIEWER: 'viewer-secret', RESPONDER: 'responder-secret' };
const as = (who: 'viewer' | 'responder') => ({ Authorization: `Bearer ${who}-secret` });
let t: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  t = await startTestApp(
    {
      api: {
        tokens: [
          { name: 'dash', role: 'viewer', token: { env: 'VIEWER' } },
          { name: 'alice', role: 'responder', token: { env: 'RESPONDER' } },
        ],
      },
    },
    env,
  );
  await request(t.app)
    .post('/api/v1/alertmanager')
    .send(notification([{ fingerprint: 'a' }]))
    .expect(200);
  await t.inbox.drained();
  await request(t.app)
    .post('/api/v1/maintenance')
    .set(as('responder'))
    .send({ matchers: 'service="db"', ends_at: new Date(Date.now() + 3_600_000).toISOString() })
    .expect(201);
});
afterAll(() => t.close());

const SPELLINGS = [
  '0x1',
  '1.0',
  '%201',
  '1%20',
  '1e0',
  '+1',
  '%2B1',
  '01',
  '0001',
  '1.',
  '1abc',
  '-1',
  '0',
  '%E2%80%8B1',
  // Escapes that decode to no text: Express cannot decode the parameter.
  '%ff',
  '%',
  '1%zz',
  '１',
];

it('answers the canonical id', async () => {
  await request(t.app).get('/api/v1/incidents/1').set(as('viewer')).expect(200);
  await request(t.app).get('/api/v1/incidents/1/notifications').set(as('viewer')).expect(200);
  await request(t.app).get('/api/v1/maintenance/1').set(as('viewer')).expect(200);
});

it.each(SPELLINGS)('answers 404 for incident %s', async (id) => {
  const res = await request(t.app).get(`/api/v1/incidents/${id}`).set(as('viewer')).expect(404);
  expect(res.body.error.code).toBe('not_found');
  await request(t.app).get(`/api/v1/incidents/${id}/notifications`).set(as('viewer')).expect(404);
  await request(t.app)
    .post(`/api/v1/incidents/${id}/notes`)
    .set(as('responder'))
    .send({ text: 'x' })
    .expect(404);
  await request(t.app).get(`/api/v1/maintenance/${id}`).set(as('viewer')).expect(404);
  await request(t.app).delete(`/api/v1/maintenance/${id}`).set(as('responder')).expect(404);
});

it('changed nothing through another spelling', async () => {
  const res = await request(t.app).get('/api/v1/incidents/1').set(as('viewer')).expect(200);
  expect(res.body.timeline.filter((e: { kind: string }) => e.kind === 'note')).toEqual([]);
  expect((await request(t.app).get('/api/v1/maintenance/1').set(as('viewer'))).body.deleted_at).toBeNull();
});

it('takes only a cursor it could have given', async () => {
  for (const cursor of ['01', '0x2', '1e3', '99999999999999999999', '0']) {
    await request(t.app).get(`/api/v1/incidents?cursor=${cursor}`).set(as('viewer')).expect(400);
  }
  await request(t.app).get('/api/v1/incidents?cursor=2').set(as('viewer')).expect(200);
});
