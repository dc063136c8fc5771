import request from 'supertest';
import { notification, startTestApp } from './helpers';
import { BACKENDS, stopTestPostgres } from './support/backends';

// What PostgreSQL cannot take (an id past its 32-bit `integer`, NUL in text) is answered as on SQLite, by
// name, rather than with the 500 of a failed query.

afterAll(stopTestPostgres);

const TOO_BIG = '2147483648';

describe.each(BACKENDS)('PostgreSQL limits on %s', (backend) => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  const responder = { Authorization: 'Bearer responder-secret' };
  const admin = { Authorization: 'Bearer admin-secret' };
  beforeAll(async () => {
    t = await startTestApp(
      {
        api: {
          tokens: [
            { name: 'alice', role: 'responder', token: { env: 'RESPONDER' } },
            { name: 'root', role: 'admin', token: { env: 'ADMIN' } },
          ],
        },
      },
      { RESPONDER: 'responder-secret', ADMIN: 'admin-secret' },
      undefined,
      backend,
    );
    await request(t.app)
      .post('/api/v1/alertmanager')
      .send(notification([{ fingerprint: 'a' }]))
      .expect(200);
    await t.inbox.drained();
  });
  afterAll(() => t.close());

  it.each([
    ['get', `/api/v1/incidents/${TOO_BIG}`],
    ['get', `/api/v1/incidents/${TOO_BIG}/notifications`],
    ['get', `/api/v1/incidents/${TOO_BIG}/postmortem`],
    ['post', `/api/v1/incidents/${TOO_BIG}/acknowledge`],
    ['post', `/api/v1/incidents/${TOO_BIG}/notes`],
    ['get', `/api/v1/maintenance/${TOO_BIG}`],
    ['delete', `/api/v1/maintenance/${TOO_BIG}`],
  ] as const)('answers %s %s with 404', async (method, url) => {
    const body = url.endsWith('/notes') ? { text: 'x' } : {};
    const res = await request(t.app)[method](url).set(responder).send(body).expect(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('takes the largest id there can be, and refuses a larger cursor or incident_id by name', async () => {
    await request(t.app).get('/api/v1/incidents/2147483647').set(responder).expect(404);
    await request(t.app).get('/api/v1/incidents?cursor=2147483647').set(responder).expect(200);
    for (const url of [`/api/v1/incidents?cursor=${TOO_BIG}`, `/api/v1/audit?cursor=${TOO_BIG}`]) {
      const res = await request(t.app).get(url).set(admin).expect(400);
      expect(res.body.error.details).toEqual([
        { field: 'cursor', message: 'must be a cursor returned by a previous page' },
      ]);
    }
    const res = await request(t.app).get(`/api/v1/audit?incident_id=${TOO_BIG}`).set(admin).expect(400);
    expect(res.body.error.details).toEqual([{ field: 'incident_id', message: 'must be an incident id' }]);
  });

  it.each([
    ['/api/v1/incidents/1/notes', { text: 'a\u0000b' }, 'text'],
    ['/api/v1/incidents/1/acknowledge', { note: 'a\u0000b' }, 'note'],
    ['/api/v1/incidents/1/assign', { assignee: 'a\u0000b' }, 'assignee'],
    [
      '/api/v1/maintenance',
      { matchers: 'service="db"', ends_at: '2099-01-01T00:00:00Z', comment: 'a\u0000b' },
      'comment',
    ],
  ])('refuses NUL in %s with 400 naming the field', async (url, body, field) => {
    const res = await request(t.app).post(url).set(responder).send(body).expect(400);
    expect(res.body.error.details).toEqual([{ field, message: 'holds a NUL character (\\u0000)' }]);
  });

  it('still takes notes and acknowledgements, and keeps nothing of what it refused', async () => {
    await request(t.app).post('/api/v1/incidents/1/notes').set(responder).send({ text: 'ok' }).expect(200);
    await request(t.app).post('/api/v1/incidents/1/acknowledge').set(responder).send({}).expect(200);
    const res = await request(t.app).get('/api/v1/incidents/1').set(responder).expect(200);
    const texts = JSON.stringify(res.body.timeline);
    expect(texts).toContain('ok');
    expect(texts).not.toContain('\\u0000');
  });
});
