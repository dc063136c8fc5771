import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { parseConfig } from '../src/config';
import type { Exporter } from '../src/exporter';
import { closedPort, exporterApp, startHttp, startTcp } from './helpers';

const GOLDEN = join(__dirname, 'golden', 'metrics.prom');
/** A frozen clock: durations come out 0 and times fixed, so the exposition is byte-for-byte stable. */
const frozenClock = { now: () => 1_800_000_000_000, monotonic: () => 0 };

let web: Awaited<ReturnType<typeof startHttp>>;
let cache: Awaited<ReturnType<typeof startTcp>>;
let dbPort: number;
beforeAll(async () => {
  web = await startHttp((req, res) => {
    if (req.url === '/down') return void res.writeHead(503).end();
    res.end('{"status":"ok"}');
  });
  cache = await startTcp();
  dbPort = await closedPort();
});
afterAll(async () => {
  await web.close();
  await cache.close();
});

/** db is down (closed port), api depends on it; cache is up; web has a failing non-critical check. */
function buildConfig() {
  return parseConfig({
    max_concurrent_checks: 2,
    services: {
      api: {
        description: 'Public API',
        depends_on: ['db', 'cache'],
        checks: [{ name: 'healthz', kind: 'http', url: `${web.url}/healthz`, body_regex: 'ok' }],
      },
      db: { checks: [{ name: 'tcp', kind: 'tcp', host: '127.0.0.1', port: dbPort }] },
      cache: { checks: [{ name: 'tcp', kind: 'tcp', host: '127.0.0.1', port: cache.port }] },
      web: {
        checks: [
          { name: 'home', kind: 'http', url: `${web.url}/` },
          { name: 'banner', kind: 'http', url: `${web.url}/down`, critical: false },
        ],
      },
    },
    probe: {
      allowed_targets: ['127.0.0.1', '*.vigil.test:443'],
      modules: { http_2xx: { kind: 'http' }, tcp_connect: { kind: 'tcp', timeout: '1s' } },
    },
  });
}

const startApp = () => exporterApp(buildConfig(), { clock: frozenClock });

describe('the exporter over HTTP', () => {
  let app: Awaited<ReturnType<typeof startApp>>['app'];
  let exporter: Exporter;
  beforeAll(async () => ({ app, exporter } = await startApp()));
  afterAll(() => exporter.stop());

  it('serves the process, Node.js and build series, then its own identical to the golden file', async () => {
    const res = await request(app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toMatch(/^process_cpu_seconds_total /m);
    expect(res.text).toMatch(/^nodejs_heap_size_total_bytes /m);
    expect(res.text).toMatch(/^healthcheck_build_info\{version="\d+\.\d+\.\d+",revision="[^"]+",nodejs="v/m);
    expect(res.text).toMatch(/^healthcheck_config_last_reload_successful 1$/m);
    // The exporter's own exposition (from probe_success on) is byte-for-byte stable under a frozen clock.
    const own = res.text.slice(res.text.indexOf('# HELP probe_success '));
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, own);
    expect(own).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('serves /metrics that promtool accepts', async () => {
    const res = await request(app).get('/metrics').expect(200);
    // promtool exits non-zero and names the metric on any lint problem (exit 3), 1 when it cannot parse.
    const own = res.text.slice(res.text.indexOf('# HELP probe_success '));
    expect(execFileSync('promtool', ['check', 'metrics'], { input: own, encoding: 'utf8' })).toBe('');
    // And the whole page, process and Node.js series included.
    expect(execFileSync('promtool', ['check', 'metrics'], { input: res.text, encoding: 'utf8' })).toBe('');
  });

  it('reports aggregated health with root causes at /health', async () => {
    const res = await request(app).get('/health').expect(200);
    expect(res.body.status).toBe('down');
    const byName = Object.fromEntries(res.body.services.map((s: { name: string }) => [s.name, s]));
    expect(byName.db).toMatchObject({ status: 'down', root_causes: [] });
    expect(byName.db.checks[0]).toMatchObject({ name: 'tcp', kind: 'tcp', success: false });
    expect(byName.db.checks[0].message).toMatch(/ECONNREFUSED/);
    expect(byName.api).toMatchObject({
      status: 'impacted',
      root_causes: ['db'],
      depends_on: ['db', 'cache'],
    });
    expect(byName.web).toMatchObject({ status: 'degraded' });
    expect(byName.cache).toMatchObject({ status: 'ok' });
  });

  it('answers /health/{service} with 200 while serving and 503 otherwise, 404 for unknown services', async () => {
    expect((await request(app).get('/health/cache').expect(200)).body.status).toBe('ok');
    expect((await request(app).get('/health/web').expect(200)).body.status).toBe('degraded');
    expect((await request(app).get('/health/api').expect(503)).body).toMatchObject({
      status: 'impacted',
      root_causes: ['db'],
      description: 'Public API',
    });
    expect((await request(app).get('/health/nope').expect(404)).body.error.code).toBe('not_found');
  });

  it('answers /healthz, and /readyz once the checks have started and run once', async () => {
    expect((await request(app).get('/healthz').expect(200)).body).toEqual({ status: 'ok' });
    // Never started here (the test ran them with runAll): not ready, in the one error shape.
    expect((await request(app).get('/readyz').expect(503)).body.error.code).toBe('not_ready');
  });

  it('answers unknown paths with 404 in the one error shape', async () => {
    expect((await request(app).get('/nope').expect(404)).body.error.code).toBe('not_found');
  });

  it('links /metrics, /health and every service from the landing page', async () => {
    const res = await request(app).get('/').expect(200);
    for (const href of ['/metrics', '/health', '/health/api', '/health/db'])
      expect(res.text).toContain(`href="${href}"`);
  });
});

describe('GET /probe', () => {
  let app: Awaited<ReturnType<typeof startApp>>['app'];
  let exporter: Exporter;
  beforeAll(async () => ({ app, exporter } = await startApp()));
  afterAll(() => exporter.stop());

  it('probes an allowed target like blackbox_exporter, with unlabelled probe_* series', async () => {
    const res = await request(app)
      .get('/probe')
      .query({ target: `${web.url}/`, module: 'http_2xx' })
      .expect(200);
    expect(res.text).toMatch(/^probe_success 1$/m);
    expect(res.text).toMatch(/^probe_http_status_code 200$/m);
    expect(res.text).toMatch(/^probe_duration_seconds /m);
    const tcp = await request(app)
      .get('/probe')
      .query({ target: `127.0.0.1:${dbPort}`, module: 'tcp_connect' });
    expect(tcp.text).toMatch(/^probe_success 0$/m);
  });

  it.each([
    ['another host', 'http://10.0.0.1/'],
    ['localhost by name (only 127.0.0.1 is listed)', 'http://localhost:9470/'],
    ['userinfo that looks like the allowed host', 'http://127.0.0.1@169.254.169.254/'],
    ['the listed host as a subdomain of another', 'http://127.0.0.1.evil.example/'],
    ['a wildcard domain on the wrong port', 'http://api.vigil.test:8443/'],
    ['the wildcard domain itself', 'https://vigil.test/'],
    ['a lookalike suffix', 'https://evilvigil.test/'],
  ])('refuses %s with 403', async (_what, target) => {
    const res = await request(app).get('/probe').query({ target, module: 'http_2xx' }).expect(403);
    expect(res.body.error.code).toBe('target_not_allowed');
  });

  it('normalizes IPv4 spellings before matching, so 2130706433 is 127.0.0.1', async () => {
    const res = await request(app)
      .get('/probe')
      .query({ target: `http://2130706433:${web.port}/`, module: 'http_2xx' });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/^probe_success 1$/m);
  });

  it('refuses missing parameters, unknown modules and malformed targets with 400', async () => {
    expect((await request(app).get('/probe').query({ module: 'http_2xx' }).expect(400)).body.error.code).toBe(
      'bad_request',
    );
    expect(
      (await request(app).get('/probe').query({ target: 'http://127.0.0.1/', module: 'x' }).expect(400)).body
        .error.code,
    ).toBe('unknown_module');
    for (const [target, module] of [
      ['file:///etc/passwd', 'http_2xx'],
      ['127.0.0.1', 'tcp_connect'],
      ['127.0.0.1:1/x', 'tcp_connect'],
    ]) {
      expect((await request(app).get('/probe').query({ target, module }).expect(400)).body.error.code).toBe(
        'invalid_target',
      );
    }
  });
});
