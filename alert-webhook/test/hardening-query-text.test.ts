import request from 'supertest';
import { startTestApp } from './helpers';
import { BACKENDS, stopTestPostgres } from './support/backends';

// Issue 16: text query parameters compared with stored text are refused with 400 when they hold NUL,
// which PostgreSQL cannot take (it would answer the query with an error, so a 500).

afterAll(stopTestPostgres);

describe.each(BACKENDS)('text filters on %s', (backend) => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  beforeAll(async () => {
    t = await startTestApp(
      { api: { tokens: [{ name: 'dash', role: 'viewer', token: { env: 'VIEWER' } }] } },
      { VIEWER: 'viewer-secret' },
      undefined,
      backend,
    );
  });
  afterAll(() => t.close());

  it.each([
    '/api/v1/incidents?service=a%00b',
    '/api/v1/incidents?team=%00',
    '/api/v1/incidents?severity=critical,%00',
    '/api/v1/reports/sla?team=%00',
  ])('refuses %s with 400', async (url) => {
    const res = await request(t.app).get(url).set('Authorization', 'Bearer viewer-secret').expect(400);
    expect(res.body.error.details).toEqual([
      expect.objectContaining({ message: 'must not hold a NUL character' }),
    ]);
  });

  it('takes any other text', async () => {
    await request(t.app)
      .get('/api/v1/incidents?service=%E2%80%8B%F0%9F%98%80&team=a%20b')
      .set('Authorization', 'Bearer viewer-secret')
      .expect(200);
  });
});
