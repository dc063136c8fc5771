import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createApp } from '../src/app';
import { parseConfig } from '../src/config';
import type { Exporter } from '../src/exporter';
import { silentLog, testExporter } from './helpers';

const GOLDEN = join(__dirname, 'golden', 'metrics.prom');
const FIXTURES = join(__dirname, 'fixtures');

/** The fixture logs, read whole, through every parser kind the golden file shows. */
const DOC = {
  files: { start_at: 'beginning' },
  sources: {
    nginx: {
      input: { kind: 'file', include: [join(FIXTURES, 'access.log')] },
      parser: { kind: 'combined', extra_fields: ['request_time'] },
    },
    auth: { input: { kind: 'file', include: [join(FIXTURES, 'auth.log')] }, parser: { kind: 'sshd' } },
    sudo: { input: { kind: 'file', include: [join(FIXTURES, 'auth.log')] }, parser: { kind: 'sudo' } },
  },
  metrics: [
    {
      name: 'http_requests_total',
      type: 'counter',
      help: 'Requests in the access log, by method and status code.',
      sources: ['nginx'],
      labels: { method: 'method', status: 'status' },
    },
    {
      name: 'http_response_body_bytes_total',
      type: 'counter',
      help: 'Response body bytes sent.',
      sources: ['nginx'],
      value: 'body_bytes_sent',
    },
    {
      name: 'http_request_duration_seconds',
      type: 'histogram',
      help: 'Request time ($request_time).',
      sources: ['nginx'],
      value: 'request_time',
      buckets: [0.01, 0.1, 1],
    },
  ],
  security: { enabled: true },
};

describe('the exporter over HTTP', () => {
  let exporter: Exporter;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    exporter = testExporter(DOC);
    await exporter.start();
    app = createApp(parseConfig(DOC), exporter, silentLog);
  });
  afterAll(() => exporter.stop());

  it('serves /metrics identical to the golden exposition file', async () => {
    const res = await request(app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, res.text);
    expect(res.text).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('serves /metrics that promtool accepts', async () => {
    const res = await request(app).get('/metrics').expect(200);
    // promtool exits non-zero and names the metric on any lint problem.
    expect(execFileSync('promtool', ['check', 'metrics'], { input: res.text, encoding: 'utf8' })).toBe('');
  });

  it('lists sources and metrics on the landing page, and answers unknown paths with a JSON 404', async () => {
    const res = await request(app).get('/').expect(200);
    expect(res.text).toContain('href="/metrics"');
    for (const text of ['nginx', 'combined', 'sshd', 'http_request_duration_seconds (histogram)', 'enabled'])
      expect(res.text).toContain(text);
    expect((await request(app).get('/nope').expect(404)).body.error.code).toBe('not_found');
  });
});
