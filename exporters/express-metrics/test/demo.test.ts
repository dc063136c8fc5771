import request from 'supertest';
import { createDemoApp } from '../demo/app';

describe('the demo service', () => {
  it('serves its API and healthz while healthy', async () => {
    const { app } = createDemoApp();
    expect((await request(app).get('/api/items').expect(200)).body).toHaveLength(2);
    await request(app).get('/api/items/9').expect(404);
    await request(app).post('/api/orders').expect(201);
    await request(app).post('/api/orders').send({ plan: 'pro' }).expect(201);
    await request(app).post('/api/orders').send({ plan: 'pro' }).expect(201);
    await request(app)
      .post('/api/orders')
      .send({ plan: 'x'.repeat(40) })
      .expect(201);
    expect((await request(app).get('/healthz').expect(200)).body).toEqual({ status: 'ok' });
    const metrics = (await request(app).get('/metrics').expect(200)).text;
    // The business metric: one series per known plan, anything else as "other".
    expect(metrics).toMatch(/^demo_orders_total\{plan="free",service="demo"\} 1$/m);
    expect(metrics).toMatch(/^demo_orders_total\{plan="pro",service="demo"\} 2$/m);
    expect(metrics).toMatch(/^demo_orders_total\{plan="other",service="demo"\} 1$/m);
    expect(metrics).not.toContain('xxxx');
    expect(metrics).toContain(
      'http_requests_total{service="demo",route="/api/items/:id",method="GET",status_class="4xx"} 1',
    );
    expect(metrics).toContain('process_cpu_seconds_total');
  });

  it("answers a body it cannot read with the client's 4xx, not a 5xx that would burn the error budget", async () => {
    const { app } = createDemoApp();
    const bad = await request(app)
      .post('/api/orders')
      .set('Content-Type', 'application/json')
      .send('{bad json')
      .expect(400);
    expect(bad.body.error.code).toBe('bad_request');
    const large = await request(app)
      .post('/api/orders')
      .send({ plan: 'x'.repeat(20_000) })
      .expect(413);
    expect(large.body.error.code).toBe('payload_too_large');
    const metrics = (await request(app).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/^http_requests_total\{[^}]*method="POST",status_class="4xx"\} 2$/m);
    expect(metrics).not.toMatch(/status_class="5xx"\} [1-9]/);
  });

  it('fails every API request and healthz after POST /admin/fail, until /admin/recover', async () => {
    const { app } = createDemoApp();
    await request(app).post('/admin/fail').send({ error_rate: 1 }).expect(200);
    await request(app).get('/api/items').expect(500);
    await request(app).get('/healthz').expect(503);
    const metrics = (await request(app).get('/metrics')).text;
    expect(metrics).toContain(
      'http_requests_total{service="demo",route="/api/items",method="GET",status_class="5xx"} 1',
    );
    await request(app).post('/admin/recover').expect(200);
    await request(app).get('/api/items').expect(200);
  });

  it('fails the share of requests given by error_rate, and slows them by latency_ms', async () => {
    const draws = [0.1, 0.9, 0.2, 0.8];
    const { app } = createDemoApp({ random: () => draws.shift() as number });
    await request(app).post('/admin/fail').send({ error_rate: 0.5, latency_ms: 100 }).expect(200);
    const started = Date.now();
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await request(app).get('/api/items')).status);
    expect(statuses).toEqual([500, 200, 500, 200]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    await request(app).get('/healthz').expect(200);
  });

  it('starts failing when told so at construction (as DEMO_ERROR_RATE does) and refuses bad settings', async () => {
    const { app } = createDemoApp({ failure: { errorRate: 1 } });
    await request(app).get('/api/items').expect(500);
    await request(app).post('/admin/fail').send({ error_rate: 2 }).expect(400);
    await request(app).post('/admin/fail').send({ latency_ms: -1 }).expect(400);
    expect((await request(app).get('/admin/failure')).body).toEqual({ error_rate: 1, latency_ms: 0 });
  });

  it('attaches the trace id of a sampled traceparent as an exemplar, for OpenMetrics scrapers', async () => {
    const { app } = createDemoApp();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await request(app).get('/api/items').set('traceparent', `00-${traceId}-00f067aa0ba902b7-01`).expect(200);
    const om = await request(app).get('/metrics').set('Accept', 'application/openmetrics-text').expect(200);
    expect(om.text).toMatch(
      new RegExp(
        `^http_request_duration_seconds_bucket\\{[^}]*route="/api/items"[^}]*\\} 1 # \\{trace_id="${traceId}"\\} `,
        'm',
      ),
    );
  });
});
