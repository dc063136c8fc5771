import request from 'supertest';
import { GUARDED, notification, startGuardedApp } from './helpers';

// The REST API's bodies: read only once the caller may write, any JSON value refused by the route's schema
// by name, and text that cannot be stored refused as the webhook refuses it.

let t: Awaited<ReturnType<typeof startGuardedApp>>;
beforeAll(async () => {
  t = await startGuardedApp();
  await request(t.app)
    .post('/api/v1/alertmanager')
    .set(GUARDED.asHook)
    .send(notification([{ fingerprint: 'a' }]))
    .expect(200);
  await t.inbox.drained();
});
afterAll(() => t.close());

const post = (path: string, who: Record<string, string>, type: string, body: string) =>
  request(t.app).post(path).set(who).set('Content-Type', type).send(body);

it('answers a caller who may not write 403 whatever the body, and one without a token 401', async () => {
  for (const [type, body] of [
    ['application/json', '{bad'],
    ['text/plain', 'note'],
    ['application/json', `{"text":"${'x'.repeat(70_000)}"}`],
  ]) {
    const res = await post('/api/v1/incidents/1/notes', GUARDED.asViewer, type!, body!).expect(403);
    expect(res.body.error.code).toBe('forbidden');
    await post('/api/v1/incidents/1/notes', {}, type!, body!).expect(401);
  }
});

it('reads no body on a route that takes none', async () => {
  const res = await request(t.app)
    .get('/api/v1/whoami')
    .set(GUARDED.asResponder)
    .set('Content-Type', 'text/plain')
    .send('x')
    .expect(200);
  expect(res.body).toMatchObject({ name: 'alice', role: 'responder' });
  await request(t.app)
    .get('/api/v1/openapi.json')
    .set('Content-Type', 'application/json')
    .send('{bad')
    .expect(200);
});

it('refuses JSON that is not an object by the schema, naming what it is', async () => {
  for (const [body, received] of [
    ['"hello"', 'string'],
    ['null', 'null'],
    ['42', 'number'],
  ]) {
    const res = await post(
      '/api/v1/incidents/1/notes',
      GUARDED.asResponder,
      'application/json',
      body!,
    ).expect(400);
    expect(res.body.error).toMatchObject({
      code: 'invalid_request',
      details: [{ field: 'body', message: `Invalid input: expected object, received ${received}` }],
    });
  }
  // Still invalid JSON where it is.
  const bad = await post('/api/v1/incidents/1/notes', GUARDED.asResponder, 'application/json', '{bad').expect(
    400,
  );
  expect(bad.body.error.code).toBe('invalid_json');
});

it('refuses a lone surrogate in a body, which would be stored as U+FFFD', async () => {
  const res = await post(
    '/api/v1/incidents/1/notes',
    GUARDED.asResponder,
    'application/json',
    '{"text":"a\\ud800b"}',
  ).expect(400);
  expect(res.body.error).toMatchObject({
    code: 'invalid_request',
    details: [{ field: 'text', message: expect.stringContaining('lone UTF-16 surrogate') }],
  });
  // A surrogate pair is text like any other.
  await post(
    '/api/v1/incidents/1/notes',
    GUARDED.asResponder,
    'application/json',
    '{"text":"a\\ud83d\\ude00b"}',
  ).expect(200);
});
