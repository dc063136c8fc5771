import request from 'supertest';
import { notification, startTestApp } from './helpers';

// Issue 16, item 4: the webhook takes application/json (what Alertmanager sends), nothing else.

let t: Awaited<ReturnType<typeof startTestApp>>;
beforeEach(async () => {
  t = await startTestApp({ webhook: { bearer_token: { env: 'HOOK' } } }, { HOOK: 'hook-secret' });
});
afterEach(() => t.close());

const body = JSON.stringify(notification([{ fingerprint: 'a' }]));
const post = (contentType?: string, token = 'hook-secret') => {
  const req = request(t.app).post('/api/v1/alertmanager').set('Authorization', `Bearer ${token}`);
  return contentType === undefined
    ? req.send(Buffer.from(body))
    : req.set('Content-Type', contentType).send(body);
};
const invalidCount = async () => {
  const text = (await request(t.app).get('/metrics').expect(200)).text;
  const line = text.split('\n').find((l) => l.startsWith('vigil_webhook_requests_total{outcome="invalid"}'));
  return Number(line?.split(' ')[1] ?? 0);
};

it('refuses a valid body sent as anything but application/json with 415, storing nothing', async () => {
  for (const type of [
    'text/plain',
    'text/plain; charset=utf-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/jsonx',
    'application/json; charset=iso-8859-1',
    'application/json; charset=utf-16',
  ]) {
    const res = await post(type).expect(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
  }
  const missing = await post(undefined).expect(415);
  expect(missing.body.error.message).toMatch(/application\/json/);
  expect(await t.db.selectFrom('inbox').selectAll().execute()).toEqual([]);
  expect(await invalidCount()).toBe(8);
});

it('takes application/json, with or without charset=utf-8, in any case', async () => {
  for (const type of [
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON; Charset="UTF-8"',
  ]) {
    await post(type).expect(200);
  }
});

it('asks for credentials before looking at the content type', async () => {
  await post('text/plain', 'wrong').expect(401);
  expect(await invalidCount()).toBe(0);
});
