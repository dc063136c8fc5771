import { execFileSync } from 'node:child_process';
import express from 'express';
import request from 'supertest';
import { expressMetrics, traceparentExemplar } from '../src';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const traceparent = (flags: string, traceId = TRACE_ID) => `00-${traceId}-b7ad6b7169203331-${flags}`;

function buildApp(exemplars = traceparentExemplar) {
  const metrics = expressMetrics({ service: 'shop', exemplars });
  const app = express();
  app.use(metrics.middleware);
  app.get('/metrics', metrics.metricsHandler);
  app.get('/items/:id', (_req, res) => {
    res.json({ ok: true });
  });
  return app;
}

const openMetrics = (app: express.Express) =>
  request(app).get('/metrics').set('Accept', 'application/openmetrics-text').expect(200);

describe('exemplars', () => {
  it('serves the trace id of a sampled request as an exemplar to OpenMetrics scrapers', async () => {
    const app = buildApp();
    await request(app).get('/items/1').set('traceparent', traceparent('01')).expect(200);
    const res = await openMetrics(app);
    expect(res.headers['content-type']).toMatch(/^application\/openmetrics-text; version=1\.0\.0/);
    const bucket = res.text
      .split('\n')
      .find((line) => line.startsWith('http_request_duration_seconds_bucket{') && line.includes(' # '));
    expect(bucket).toMatch(
      new RegExp(`route="/items/:id".*\\} 1 # \\{trace_id="${TRACE_ID}"\\} [0-9.e-]+ [0-9.]+$`),
    );
    expect(res.text.endsWith('# EOF\n')).toBe(true);
  });

  it("serves them to Prometheus's own Accept header, which names the formats' versions", async () => {
    const app = buildApp();
    await request(app).get('/items/1').set('traceparent', traceparent('01')).expect(200);
    const accept =
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,' +
      'text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    const res = await request(app).get('/metrics').set('Accept', accept).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/openmetrics-text/);
    expect(res.text).toContain(`# {trace_id="${TRACE_ID}"}`);
    const plain = await request(app).get('/metrics').set('Accept', 'text/plain;version=0.0.4').expect(200);
    expect(plain.text).not.toContain(TRACE_ID);
  });

  it('leaves exemplars out of the text format, which stays valid after an OpenMetrics scrape', async () => {
    const app = buildApp();
    await request(app).get('/items/1').set('traceparent', traceparent('01')).expect(200);
    await openMetrics(app);
    const text = (await request(app).get('/metrics').expect(200)).text;
    expect(text).not.toContain(TRACE_ID);
    // prom-client renames counters it renders as OpenMetrics; the text format must keep `_total`.
    expect(text).toMatch(
      /^http_requests_total\{service="shop",route="\/items\/:id",method="GET",status_class="2xx"\} 1$/m,
    );
    expect(execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })).toBe('');
  });

  it('records no exemplar for unsampled, malformed or absent trace contexts', async () => {
    const app = buildApp();
    await request(app).get('/items/1').set('traceparent', traceparent('00')).expect(200);
    await request(app)
      .get('/items/2')
      .set('traceparent', traceparent('01', '0'.repeat(32)))
      .expect(200);
    await request(app).get('/items/3').set('traceparent', 'garbage').expect(200);
    await request(app).get('/items/4').expect(200);
    expect((await openMetrics(app)).text).not.toContain('trace_id');
  });

  it('drops exemplar labels OpenMetrics would refuse instead of failing the request', async () => {
    const app = buildApp(() => ({ trace_id: 'x'.repeat(200) }));
    await request(app).get('/items/1').expect(200);
    const res = await openMetrics(app);
    expect(res.text).not.toContain('trace_id');
    expect(res.text).toMatch(/^http_requests_total\{[^}]*route="\/items\/:id"[^}]*\} 1$/m);
  });
});
