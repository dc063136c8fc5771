import Database from 'better-sqlite3';
import request from 'supertest';
import { notification, startTestApp } from './helpers';

const TOKENS = { viewer: 'view-secret', responder: 'respond-secret', admin: 'admin-secret' };
const config = {
  webhook: { bearer_token: { env: 'HOOK_TOKEN' } },
  api: {
    tokens: [
      { name: 'dash', role: 'viewer', token: { env: 'VIEWER' } },
      { name: 'alice', role: 'responder', token: { env: 'RESPONDER' } },
      { name: 'root', role: 'admin', token: { env: 'ADMIN' } },
    ],
  },
};
const env = {
  HOOK_TOKEN: 'hook-secret',
  VIEWER: TOKENS.viewer,
  RESPONDER: TOKENS.responder,
  ADMIN: TOKENS.admin,
};

let t: Awaited<ReturnType<typeof startTestApp>>;
beforeEach(async () => {
  t = await startTestApp(config, env);
});
afterEach(() => t.close());

const hook = () => request(t.app).post('/api/v1/alertmanager').set('Authorization', 'Bearer hook-secret');
const as = (role: keyof typeof TOKENS) => ({ Authorization: `Bearer ${TOKENS[role]}` });

async function deliver(payload = notification([{ fingerprint: 'a' }])) {
  await hook().send(payload).expect(200);
  await t.inbox.drained();
}

async function firstIncidentId(): Promise<number> {
  const res = await request(t.app).get('/api/v1/incidents').set(as('viewer')).expect(200);
  return res.body.items[0].id;
}

describe('webhook', () => {
  it('stores the raw delivery in the inbox before answering 200', async () => {
    const payload = notification([{ fingerprint: 'a' }]);
    const res = await hook().send(payload).expect(200);
    // The answer as the contract has it (WebhookAccepted), JSON with its length, and no ETag: nothing
    // caches a POST's answer, and hashing each one cost the receiving thread in a storm.
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.text));
    expect(res.headers.etag).toBeUndefined();
    expect(res.body).toEqual({ status: 'accepted', inbox_id: expect.any(Number) });
    const row = await t.db
      .selectFrom('inbox')
      .selectAll()
      .where('id', '=', res.body.inbox_id)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.payload)).toEqual(payload);
  });

  it('accepts basic auth when that is configured', async () => {
    const basic = await startTestApp(
      { webhook: { basic_auth: { username: 'am', password: { env: 'PW' } } } },
      { PW: 'pw' },
    );
    try {
      await request(basic.app)
        .post('/api/v1/alertmanager')
        .auth('am', 'pw')
        .send(notification([{}]))
        .expect(200);
      await request(basic.app)
        .post('/api/v1/alertmanager')
        .auth('am', 'nope')
        .send(notification([{}]))
        .expect(401);
    } finally {
      await basic.close();
    }
  });

  it('refuses missing or wrong credentials with 401 and stores nothing', async () => {
    await request(t.app)
      .post('/api/v1/alertmanager')
      .send(notification([{}]))
      .expect(401);
    const res = await request(t.app)
      .post('/api/v1/alertmanager')
      .set('Authorization', 'Bearer wrong')
      .send(notification([{}]))
      .expect(401);
    expect(res.body.error.code).toBe('unauthorized');
    expect(await t.db.selectFrom('inbox').selectAll().execute()).toHaveLength(0);
  });

  it('names the bad field of a malformed payload', async () => {
    const payload = notification([{}]) as unknown as { alerts: { startsAt: unknown }[] };
    payload.alerts[0]!.startsAt = 12;
    const res = await hook().send(payload).expect(400);
    expect(res.body.error.code).toBe('invalid_payload');
    expect(res.body.error.details).toContainEqual(expect.objectContaining({ field: 'alerts.0.startsAt' }));
  });

  it('answers invalid JSON with 400 invalid_json', async () => {
    const res = await hook().set('Content-Type', 'application/json').send('{"version": "4",').expect(400);
    expect(res.body.error.code).toBe('invalid_json');
  });

  it('answers a content coding it does not know with 415, and a body that does not decompress with 400 invalid_encoding, each counted invalid', async () => {
    const invalid = async () => {
      const metrics = await request(t.app).get('/metrics').expect(200);
      return Number(
        /^vigil_webhook_requests_total\{outcome="invalid"\} (\d+)$/m.exec(metrics.text)?.[1] ?? 0,
      );
    };
    const before = await invalid();
    const zstd = await hook()
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'zstd')
      .send('{}')
      .expect(415);
    expect(zstd.body.error).toMatchObject({
      code: 'unsupported_media_type',
      message: 'unsupported content encoding "zstd": send it as identity, gzip, deflate or br',
    });
    for (const [encoding, reason] of [
      ['gzip', 'Z_DATA_ERROR'],
      ['br', 'ERR__ERROR_FORMAT_PADDING_2'],
    ]) {
      const res = await hook()
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', encoding!)
        .send('{"version": "4"}')
        .expect(400);
      expect(res.body.error).toMatchObject({
        code: 'invalid_encoding',
        message: `the body is not valid ${encoding} data (${reason})`,
      });
    }
    expect((await invalid()) - before).toBe(3);
    const inbox = await t.db.selectFrom('inbox').select('id').execute();
    expect(inbox).toEqual([]);
  });

  it('answers a body over the limit with 413', async () => {
    const small = await startTestApp({ ...config, server: { body_limit_bytes: 1024 } }, env);
    try {
      const res = await request(small.app)
        .post('/api/v1/alertmanager')
        .set('Authorization', 'Bearer hook-secret')
        .send(notification(Array.from({ length: 20 }, (_, i) => ({ fingerprint: `f${i}` }))))
        .expect(413);
      expect(res.body.error.code).toBe('too_large');
      // An API body over its own limit is no delivery: the webhook's count stays at one.
      await request(small.app)
        .put('/api/v1/incidents/1/postmortem')
        .set(as('responder'))
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ summary: 'x'.repeat(200_000) }))
        .expect(413);
      const metrics = await request(small.app).get('/metrics').expect(200);
      expect(metrics.text).toMatch(/^vigil_webhook_requests_total\{outcome="too_large"\} 1$/m);
    } finally {
      await small.close();
    }
  });

  it('keeps unknown top-level fields such as Grafana extras', async () => {
    const payload = notification([{}], { extra: { orgId: 1, title: '[FIRING:1]', state: 'alerting' } });
    const res = await hook().send(payload).expect(200);
    const row = await t.db
      .selectFrom('inbox')
      .select('payload')
      .where('id', '=', res.body.inbox_id)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.payload)).toMatchObject({ orgId: 1, state: 'alerting' });
  });

  it('survives a storm of random and malformed bodies with 4xx only', async () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const valid = notification([{}]) as unknown as Record<string, unknown>;
    const junk: unknown[] = [null, 0, -1, 1e308, '', 'x', true, [], {}, [1, 2], { a: { b: {} } }, '\u0000'];
    const bodies: string[] = [
      '',
      'null',
      '[]',
      '{',
      '"str"',
      '{"version":4}',
      '\u00ff\u00fe',
      '{"alerts":[]}',
    ];
    for (let i = 0; i < 150; i++) {
      const mutated: Record<string, unknown> = structuredClone(valid);
      const keys = Object.keys(mutated);
      const key = keys[Math.floor(rand() * keys.length)] as string;
      mutated[key] = junk[Math.floor(rand() * junk.length)];
      if (rand() < 0.3) (mutated.alerts as unknown[]) = [junk[Math.floor(rand() * junk.length)]];
      bodies.push(JSON.stringify(mutated));
    }
    for (const body of bodies) {
      const res = await hook().set('Content-Type', 'application/json').send(body);
      if (res.status === 200) continue; // some mutations (e.g. an unknown value in a kept field) remain valid
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body.error.code).toMatch(/^invalid_/);
    }
    await request(t.app).get('/healthz').expect(200);
  });
});

describe('REST API', () => {
  it('requires a token, and the responder role to act', async () => {
    await deliver();
    await request(t.app).get('/api/v1/incidents').expect(401);
    await request(t.app).get('/api/v1/incidents').set('Authorization', 'Bearer nope').expect(401);
    // The scheme is case-insensitive (RFC 9110), for the API and the webhook alike.
    await request(t.app).get('/api/v1/incidents').set('Authorization', `bearer ${TOKENS.viewer}`).expect(200);
    await request(t.app)
      .post('/api/v1/alertmanager')
      .set('Authorization', 'BEARER hook-secret')
      .send(notification([{ fingerprint: 'z' }]))
      .expect(200);
    const id = await firstIncidentId();
    const res = await request(t.app)
      .post(`/api/v1/incidents/${id}/acknowledge`)
      .set(as('viewer'))
      .expect(403);
    expect(res.body.error.code).toBe('forbidden');
    await request(t.app).post(`/api/v1/incidents/${id}/acknowledge`).set(as('admin')).expect(200);
  });

  it('acknowledges, resolves and reopens with timeline and audit entries naming the actor', async () => {
    await deliver();
    const id = await firstIncidentId();
    const ack = await request(t.app)
      .post(`/api/v1/incidents/${id}/acknowledge`)
      .set(as('responder'))
      .expect(200);
    expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledged_by: 'alice' });
    await request(t.app)
      .post(`/api/v1/incidents/${id}/resolve`)
      .set(as('responder'))
      .send({ note: 'rolled back' })
      .expect(200);
    const conflict = await request(t.app)
      .post(`/api/v1/incidents/${id}/acknowledge`)
      .set(as('responder'))
      .expect(409);
    expect(conflict.body.error.code).toBe('invalid_transition');
    const reopened = await request(t.app)
      .post(`/api/v1/incidents/${id}/reopen`)
      .set(as('responder'))
      .expect(200);
    expect(reopened.body.status).toBe('triggered');
    const kinds = reopened.body.timeline.map((e: { kind: string; actor: string }) => `${e.kind}:${e.actor}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'acknowledged:alice',
        'resolved:alice',
        'reopened:alice',
        'opened:alertmanager',
      ]),
    );
    const audit = await t.db.selectFrom('audit_log').select(['actor', 'action']).orderBy('id').execute();
    expect(audit).toEqual([
      { actor: 'alice', action: 'acknowledge' },
      { actor: 'alice', action: 'resolve' },
      { actor: 'alice', action: 'reopen' },
    ]);
  });

  it('keeps the note of a transition another responder made first, as a note (nothing else changes)', async () => {
    await deliver();
    const id = await firstIncidentId();
    await request(t.app).post(`/api/v1/incidents/${id}/acknowledge`).set(as('admin')).expect(200);
    const again = await request(t.app)
      .post(`/api/v1/incidents/${id}/acknowledge`)
      .set(as('responder'))
      .send({ note: 'looking at the db' })
      .expect(200);
    expect(again.body).toMatchObject({ status: 'acknowledged', acknowledged_by: 'root' });
    const entries = again.body.timeline.map((e: { kind: string; actor: string; message: string }) => [
      e.kind,
      e.actor,
      e.message,
    ]);
    expect(entries.filter(([kind]: string[]) => kind === 'acknowledged' || kind === 'note')).toEqual([
      ['acknowledged', 'root', 'acknowledged'],
      ['note', 'alice', 'looking at the db'],
    ]);
    // Without a note, a repeated transition records nothing.
    await request(t.app).post(`/api/v1/incidents/${id}/acknowledge`).set(as('responder')).expect(200);
    const audit = await t.db.selectFrom('audit_log').select(['actor', 'action']).orderBy('id').execute();
    expect(audit).toEqual([
      { actor: 'root', action: 'acknowledge' },
      { actor: 'alice', action: 'note' },
    ]);
  });

  it('answers 401 to a body sent without a valid token, before reading it', async () => {
    await deliver();
    const id = await firstIncidentId();
    for (const token of [undefined, 'Bearer nope']) {
      const req = request(t.app).post(`/api/v1/incidents/${id}/acknowledge`);
      if (token) req.set('Authorization', token);
      const res = await req.set('Content-Type', 'application/json').send('{"note":');
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthorized');
    }
    const big = await request(t.app)
      .post('/api/v1/maintenance')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ pad: 'x'.repeat(200_000) }));
    expect(big.status).toBe(401);
  });

  it('refuses a body that is not JSON with 415, rather than acting without it', async () => {
    await deliver();
    const id = await firstIncidentId();
    const res = await request(t.app)
      .post(`/api/v1/incidents/${id}/acknowledge`)
      .set(as('responder'))
      .set('Content-Type', 'text/plain')
      .send('{"note":"kept"}');
    expect(res.status).toBe(415);
    expect(res.body.error).toMatchObject({ code: 'unsupported_media_type' });
    const incident = await request(t.app).get(`/api/v1/incidents/${id}`).set(as('viewer')).expect(200);
    expect(incident.body.status).toBe('triggered');
    // No body at all is still an acknowledge without a note.
    await request(t.app).post(`/api/v1/incidents/${id}/acknowledge`).set(as('responder')).expect(200);
  });

  it('adds notes and assigns, refusing empty or unknown fields', async () => {
    await deliver();
    const id = await firstIncidentId();
    await request(t.app)
      .post(`/api/v1/incidents/${id}/notes`)
      .set(as('responder'))
      .send({ text: 'looking' })
      .expect(200);
    const bad = await request(t.app)
      .post(`/api/v1/incidents/${id}/notes`)
      .set(as('responder'))
      .send({ text: ' ' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('text');
    const unknown = await request(t.app)
      .post(`/api/v1/incidents/${id}/assign`)
      .set(as('responder'))
      .send({ assignee: 'bob', extra: 1 });
    expect(unknown.status).toBe(400);
    const assigned = await request(t.app)
      .post(`/api/v1/incidents/${id}/assign`)
      .set(as('responder'))
      .send({ assignee: 'bob' })
      .expect(200);
    expect(assigned.body.assignee).toBe('bob');
    expect(assigned.body.timeline.map((e: { message: string }) => e.message)).toEqual(
      expect.arrayContaining(['looking', 'assigned to bob']),
    );
    await request(t.app)
      .post(`/api/v1/incidents/${id}/notes`)
      .set(as('responder'))
      .set('Content-Type', 'application/json')
      .send('{"text":')
      .expect(400);
  });

  it('returns one incident with its alerts and timeline, 404 for an unknown or a bad id', async () => {
    await deliver(notification([{ fingerprint: 'a' }, { fingerprint: 'b' }]));
    const id = await firstIncidentId();
    const res = await request(t.app).get(`/api/v1/incidents/${id}`).set(as('viewer')).expect(200);
    expect(res.body.alerts.map((a: { fingerprint: string }) => a.fingerprint)).toEqual(['a', 'b']);
    expect(res.body.alerts[0].labels).toMatchObject({ alertname: 'HighErrorRate' });
    expect(res.body.timeline[0].kind).toBe('opened');
    await request(t.app).get('/api/v1/incidents/999').set(as('viewer')).expect(404);
    await request(t.app).get('/api/v1/incidents/abc').set(as('viewer')).expect(404);
    await request(t.app).post('/api/v1/incidents/999/resolve').set(as('responder')).expect(404);
  });

  it('filters and pages through incidents with a cursor', async () => {
    for (let i = 0; i < 5; i++) {
      // Severities are ranked and counted whatever their case, and so filtered: CRITICAL is critical.
      const severity = i === 3 ? 'CRITICAL' : i % 2 ? 'critical' : 'warning';
      await deliver(
        notification([{ fingerprint: `f${i}`, labels: { severity, team: `t${i % 2}` } }], {
          groupKey: `g${i}`,
        }),
      );
    }
    const critical = await request(t.app)
      .get('/api/v1/incidents?severity=critical')
      .set(as('viewer'))
      .expect(200);
    expect(critical.body.items).toHaveLength(2);
    const shouted = await request(t.app)
      .get('/api/v1/incidents?severity=Critical,info')
      .set(as('viewer'))
      .expect(200);
    expect(shouted.body.items).toHaveLength(2);
    const team = await request(t.app)
      .get('/api/v1/incidents?team=t0&status=triggered')
      .set(as('viewer'))
      .expect(200);
    expect(team.body.items).toHaveLength(3);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${cursor}` : '';
      const page = await request(t.app).get(`/api/v1/incidents?limit=2${q}`).set(as('viewer')).expect(200);
      seen.push(...page.body.items.map((i: { id: number }) => i.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([5, 4, 3, 2, 1]);
    const bad = await request(t.app)
      .get('/api/v1/incidents?status=open&bogus=1')
      .set(as('viewer'))
      .expect(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'bogus',
      'status.0',
    ]);
    // A page size in decimal digits only: what Number() would also take is refused, naming the range.
    for (const limit of ['0x10', '1e2', '%205', '0', '501', '2.5']) {
      const refused = await request(t.app)
        .get(`/api/v1/incidents?limit=${limit}`)
        .set(as('viewer'))
        .expect(400);
      expect(refused.body.error.details).toEqual([
        { field: 'limit', message: 'must be a whole number from 1 to 500' },
      ]);
    }
    const since = await request(t.app)
      .get('/api/v1/incidents?since=2030-01-01T00:00:00Z')
      .set(as('viewer'))
      .expect(200);
    expect(since.body.items).toHaveLength(0);
  });
});

describe('operations endpoints', () => {
  it('serves health, readiness and metrics with incident counts', async () => {
    await deliver(notification([{ fingerprint: 'a', labels: { severity: 'critical' } }]));
    await request(t.app).get('/healthz').expect(200);
    await request(t.app).get('/readyz').expect(200);
    const res = await request(t.app).get('/metrics').expect(200);
    expect(res.text).toContain('vigil_incidents_open{severity="critical",status="triggered"} 1');
    expect(res.text).toContain('vigil_webhook_requests_total{outcome="accepted"} 1');
    expect(res.text).toContain('vigil_webhook_alerts_received_total{status="firing"} 1');
    expect(res.text).toContain('vigil_inbox_pending 0');
    expect(res.text).toMatch(/vigil_webhook_processing_duration_seconds_count 1/);
  });

  it('answers unknown paths with the JSON error shape', async () => {
    const res = await request(t.app).get('/nope').expect(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: 'no such endpoint', details: [] } });
  });
});

describe('under contention', () => {
  it('answers 503 with Retry-After while the database is locked, and accepts again afterwards', async () => {
    const busy = await startTestApp({ storage: { sqlite: { busy_timeout: '50ms' } } });
    const other = new Database(busy.dbPath);
    try {
      other.exec('BEGIN IMMEDIATE');
      const res = await request(busy.app)
        .post('/api/v1/alertmanager')
        .send(notification([{}]))
        .expect(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body.error.code).toBe('unavailable');
      other.exec('ROLLBACK');
      await request(busy.app)
        .post('/api/v1/alertmanager')
        .send(notification([{}]))
        .expect(200);
      const metrics = await request(busy.app).get('/metrics');
      expect(metrics.text).toContain('vigil_webhook_requests_total{outcome="unavailable"} 1');
    } finally {
      other.close();
      await busy.close();
    }
  });

  it('makes one incident of concurrent deliveries for the same group', async () => {
    const deliveries = Array.from({ length: 20 }, (_, i) =>
      hook().send(notification([{ fingerprint: 'a' }, { fingerprint: `b${i % 3}` }])),
    );
    for (const res of await Promise.all(deliveries)) expect(res.status).toBe(200);
    await t.inbox.drained();
    const res = await request(t.app).get('/api/v1/incidents').set(as('viewer')).expect(200);
    expect(res.body.items).toHaveLength(1);
    const alerts = await t.db.selectFrom('alerts').select('fingerprint').execute();
    expect(alerts.map((a) => a.fingerprint).sort()).toEqual(['a', 'b0', 'b1', 'b2']);
  });
});
