import request from 'supertest';
import { parseConfig } from '../src/config';
import { route } from '../src/routing/tree';
import { alertFingerprint, validatePayload, type WebhookPayload } from '../src/webhook/payload';
import { notification, startTestApp } from './helpers';

// Issue 16, item 6: labels named __proto__ (or constructor…) are kept as sent, never dropped.

/** A notification's JSON with these label entries (JSON text) added to its alert's labels. */
const withLabels = (entries: string, fingerprint = 'a') =>
  JSON.stringify(notification([{ fingerprint }])).replace('"labels":{', `"labels":{${entries},`);

const own = (o: object, key: string) =>
  Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined;

describe('validation', () => {
  it('keeps __proto__ and constructor labels as plain entries', () => {
    const checked = validatePayload(JSON.parse(withLabels('"__proto__":"x","constructor":"y"')));
    if (!checked.ok) throw new Error(JSON.stringify(checked.details));
    const labels = checked.payload.alerts[0]?.labels as Record<string, string>;
    expect(own(labels, '__proto__')).toBe('x');
    expect(own(labels, 'constructor')).toBe('y');
    expect(JSON.parse(JSON.stringify(labels))).toEqual(
      JSON.parse(withLabels('"__proto__":"x","constructor":"y"')).alerts[0].labels,
    );
  });

  it('refuses a __proto__ label that is not a string, naming it', () => {
    const checked = validatePayload(JSON.parse(withLabels('"__proto__":{"severity":"critical"}')));
    expect(checked).toEqual({
      ok: false,
      details: [
        { field: 'alerts.0.labels.__proto__', message: 'Invalid input: expected string, received object' },
      ],
    });
  });

  it('refuses a field named __proto__ on the payload or an alert', () => {
    const text = JSON.stringify(notification([{ fingerprint: 'a' }]));
    const top = validatePayload(JSON.parse(text.replace('{"version"', '{"__proto__":{"x":1},"version"')));
    expect(top).toMatchObject({ ok: false, details: [{ field: '__proto__' }] });
    const alert = validatePayload(
      JSON.parse(text.replace('"fingerprint":"a"', '"fingerprint":"a","__proto__":"x"')),
    );
    expect(alert).toMatchObject({ ok: false, details: [{ field: 'alerts.0.__proto__' }] });
  });

  it('tells alerts apart by a __proto__ label when it derives their fingerprint', () => {
    const payload = (value: string) => {
      const raw = JSON.parse(withLabels(`"__proto__":"${value}"`)) as { alerts: { fingerprint?: string }[] };
      delete raw.alerts[0]?.fingerprint;
      const checked = validatePayload(raw);
      if (!checked.ok) throw new Error('refused');
      return checked.payload.alerts[0] as WebhookPayload['alerts'][number];
    };
    expect(alertFingerprint(payload('x'))).not.toBe(alertFingerprint(payload('y')));
  });
});

describe('routing', () => {
  const config = parseConfig(
    {
      routing: {
        team: 'ops',
        channels: [],
        routes: [
          { matchers: '__proto__="x"', team: 'proto' },
          { matchers: 'constructor=""', team: 'absent-constructor' },
        ],
      },
    },
    {},
  );
  it('matches on a __proto__ label, and an absent constructor label is the empty string', () => {
    const labels = (entries: string) => JSON.parse(`{${entries}}`) as Record<string, string>;
    expect(route(config.routing, labels('"__proto__":"x"'))[0]?.team).toBe('proto');
    expect(route(config.routing, labels('"alertname":"A"'))[0]?.team).toBe('absent-constructor');
  });
});

describe('stored and read back', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  beforeEach(async () => {
    t = await startTestApp(
      { api: { tokens: [{ name: 'dash', role: 'viewer', token: { env: 'VIEWER' } }] } },
      { VIEWER: 'viewer-secret' },
    );
  });
  afterEach(() => t.close());

  it('keeps a __proto__ label through the webhook, the database and the API', async () => {
    await request(t.app)
      .post('/api/v1/alertmanager')
      .set('Content-Type', 'application/json')
      .send(withLabels('"__proto__":"x","constructor":"y"'))
      .expect(200);
    await t.inbox.drained();
    const res = await request(t.app)
      .get('/api/v1/incidents/1')
      .set('Authorization', 'Bearer viewer-secret')
      .expect(200);
    const labels = (res.body.alerts as { labels: object }[])[0]?.labels as object;
    expect(own(labels, '__proto__')).toBe('x');
    expect(own(labels, 'constructor')).toBe('y');

    const refused = await request(t.app)
      .post('/api/v1/alertmanager')
      .set('Content-Type', 'application/json')
      .send(withLabels('"__proto__":{"a":"b"}', 'b'))
      .expect(400);
    expect(refused.body.error.details).toEqual([
      { field: 'alerts.0.labels.__proto__', message: 'Invalid input: expected string, received object' },
    ]);
  });
});
