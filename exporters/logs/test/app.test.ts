import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { Runtime } from '@vigil/service-kit';
import { createApp } from '../src/app';
import type { Exporter } from '../src/exporter';
import { GOLDEN_DOC, silentLog, testExporter } from './helpers';

const GOLDEN = join(__dirname, 'golden', 'metrics.prom');
describe('the exporter over HTTP', () => {
  let exporter: Exporter;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    exporter = testExporter(GOLDEN_DOC);
    await exporter.start();
    app = createApp(
      new Runtime({ name: 'logs', metricPrefix: 'logexporter', version: '0.1.0' }),
      exporter,
      silentLog,
    );
  });
  afterAll(() => exporter.stop());

  it("serves /metrics: the runtime's process, Node.js and build series, then the golden exposition file", async () => {
    const res = await request(app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(res.text).toMatch(
      /^logexporter_build_info\{version="0\.1\.0",revision="[^"]+",nodejs="v[\d.]+"\} 1$/m,
    );
    expect(res.text).toMatch(/^logexporter_config_last_reload_successful 1$/m);
    const own = res.text.slice(res.text.indexOf('# HELP logexporter_label_overflow_total'));
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, own);
    expect(own).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('serves its own metrics in a form promtool accepts', async () => {
    const res = await request(app).get('/metrics').expect(200);
    // promtool exits non-zero and names the metric on any lint problem: the whole page, process and
    // Node.js series included.
    expect(execFileSync('promtool', ['check', 'metrics'], { input: res.text, encoding: 'utf8' })).toBe('');
  });

  it('answers /healthz, and /readyz once every source has started', async () => {
    expect((await request(app).get('/healthz').expect(200)).body).toEqual({ status: 'ok' });
    expect((await request(app).get('/readyz').expect(200)).body).toEqual({ status: 'ready' });
    const idle = testExporter(GOLDEN_DOC);
    const early = createApp(
      new Runtime({ name: 'logs', metricPrefix: 'logexporter', version: '0.1.0' }),
      idle,
      silentLog,
    );
    const res = await request(early).get('/readyz').expect(503);
    expect(res.body.error).toMatchObject({
      code: 'not_ready',
      message: expect.stringMatching(/sources starting/),
    });
  });

  it('lists sources and metrics on the landing page, and answers unknown paths with a JSON 404', async () => {
    const res = await request(app).get('/').expect(200);
    expect(res.text).toContain('href="/metrics"');
    for (const text of ['nginx', 'combined', 'sshd', 'http_request_duration_seconds (histogram)', 'enabled'])
      expect(res.text).toContain(text);
    expect((await request(app).get('/nope').expect(404)).body.error.code).toBe('not_found');
  });
});
