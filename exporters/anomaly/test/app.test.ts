import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createApp } from '../src/app';
import { parseConfig } from '../src/config';
import { Updater } from '../src/updater';
import { closedPort, ownMetrics, silentLog, startHttp, testRuntime } from './helpers';

const GOLDEN = join(__dirname, 'golden', 'metrics.prom');
const STEP = 60_000;
const NOW = 1_800_000_000_000;

/** Durations vary run to run; everything else in the exposition is fixed by the fake data and clock. */
const stable = (text: string) => text.replace(/^(anomaly_(scrape|update)_duration_seconds) .*$/gm, '$1 0');

/**
 * A fake Prometheus answering query_range from a formula, remembering each request. Series "a" is a
 * steady sawtooth; series "b" carries labels named like ours (query, model) and like their renaming
 * (exported_query), to show each is kept under a name of its own.
 */
async function fakePrometheus() {
  const requests: { query: string; start: number; end: number }[] = [];
  const server = await startHttp((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const p = new URLSearchParams(body);
      const start = Number(p.get('start')) * 1000;
      const end = Number(p.get('end')) * 1000;
      requests.push({ query: p.get('query') ?? '', start, end });
      const values = (f: (i: number) => number) => {
        const out: [number, string][] = [];
        for (let t = start; t <= end; t += STEP) out.push([t / 1000, String(f(t / STEP))]);
        return out;
      };
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          status: 'success',
          data: {
            resultType: 'matrix',
            result: [
              {
                metric: { __name__: 'demo_load', job: 'demo', instance: 'a' },
                values: values((i) => 10 + (i % 5)),
              },
              {
                metric: { job: 'demo', instance: 'b', query: 'x"y', exported_query: 'z', model: 'disk' },
                values: values((i) => 100 + 0.01 * (i % 1000)),
              },
            ],
          },
        }),
      );
    });
  });
  return { ...server, requests };
}

function config(url: string) {
  return parseConfig({
    prometheus: { url },
    step: '1m',
    history: '1d',
    forecast: { horizons: ['1h', '90m'] },
    queries: [{ name: 'load', query: 'demo_load', threshold: 200 }],
  });
}

describe('the exporter over HTTP', () => {
  let prom: Awaited<ReturnType<typeof fakePrometheus>>;
  beforeAll(async () => (prom = await fakePrometheus()));
  afterAll(() => prom.close());

  it('pulls history once, then only new steps, and serves /metrics identical to the golden file', async () => {
    let now = NOW;
    const updater = new Updater(config(prom.url), silentLog, () => now);
    await updater.runOnce();
    now += 3 * STEP;
    await updater.runOnce();
    expect(prom.requests).toEqual([
      { query: 'demo_load', start: NOW - 86_400_000, end: NOW },
      { query: 'demo_load', start: NOW + STEP, end: NOW + 3 * STEP },
    ]);
    const { app } = createApp(testRuntime(), updater, silentLog);
    const res = await request(app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toMatch(/^process_cpu_seconds_total \d/m);
    expect(res.text).toMatch(
      /^anomaly_build_info\{version="0\.1\.0",revision="[^"]+",nodejs="v[\d.]+"\} 1$/m,
    );
    const text = stable(ownMetrics(res.text));
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
    // promtool's linter accepts the exposition (it exits non-zero on any problem).
    execFileSync('promtool', ['check', 'metrics'], { input: text });
  });

  it('reports anomaly_up 0 while Prometheus is down, keeps every model, and catches up after', async () => {
    const down = await closedPort();
    const cfg = config(prom.url);
    let now = NOW;
    const updater = new Updater(cfg, silentLog, () => now);
    await updater.runOnce();
    const before = updater.queries[0]!.series.size;
    cfg.prometheus.url = `http://127.0.0.1:${down}`;
    now += 5 * STEP;
    await updater.runOnce();
    const { app } = createApp(testRuntime(), updater, silentLog);
    let res = await request(app).get('/metrics').expect(200);
    expect(res.text).toMatch(/^anomaly_up 0$/m);
    expect(res.text).toMatch(/^anomaly_score\{query="load",job="demo",instance="a"\} /m);
    expect(updater.queries[0]!.series.size).toBe(before);

    cfg.prometheus.url = prom.url;
    prom.requests.length = 0;
    await updater.runOnce();
    expect(prom.requests).toEqual([{ query: 'demo_load', start: NOW + STEP, end: NOW + 5 * STEP }]);
    res = await request(app).get('/metrics').expect(200);
    expect(res.text).toMatch(/^anomaly_up 1$/m);
    const last = [...updater.queries[0]!.series.values()][0]!.lastSampleMs;
    expect(last).toBe(NOW + 5 * STEP);
  });

  it('makes label names that are not valid in the text format valid, as the OTLP translation does', async () => {
    // Prometheus 3 may return OTLP names such as service.name; written as they are, the page would not parse.
    const server = await startHttp((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const p = new URLSearchParams(body);
        const values: [number, string][] = [];
        for (let t = Number(p.get('start')); t <= Number(p.get('end')); t += STEP / 1000)
          values.push([t, '1']);
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            status: 'success',
            data: {
              resultType: 'matrix',
              // Sorted as Prometheus sorts label names: service.name before service_name, which it becomes too.
              result: [
                { metric: { '1st.try': 'yes', 'service.name': 'checkout', service_name: 'legacy' }, values },
              ],
            },
          }),
        );
      });
    });
    try {
      const updater = new Updater(config(server.url), silentLog, () => NOW);
      await updater.runOnce();
      const { app } = createApp(testRuntime(), updater, silentLog);
      const text = ownMetrics((await request(app).get('/metrics').expect(200)).text);
      expect(text).toMatch(/^anomaly_score\{query="load",_1st_try="yes",service_name="checkout"\} 0$/m);
      execFileSync('promtool', ['check', 'metrics'], { input: text });
    } finally {
      await server.close();
    }
  });

  it('answers unknown paths with a JSON 404', async () => {
    const updater = new Updater(config(prom.url), silentLog);
    const res = await request(createApp(testRuntime(), updater, silentLog).app)
      .get('/nope')
      .expect(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('is ready once the first pull has ended, even a failed one: anomaly_up says how it went', async () => {
    const cfg = config(`http://127.0.0.1:${await closedPort()}`);
    const updater = new Updater(cfg, silentLog, () => NOW);
    const { app } = createApp(testRuntime(), updater, silentLog);
    expect((await request(app).get('/healthz').expect(200)).body).toEqual({ status: 'ok' });
    const res = await request(app).get('/readyz').expect(503);
    expect(res.body.error).toMatchObject({ code: 'not_ready', message: expect.stringMatching(/first pull/) });
    await updater.runOnce();
    expect((await request(app).get('/readyz').expect(200)).body).toEqual({ status: 'ready' });
    expect((await request(app).get('/metrics').expect(200)).text).toMatch(/^anomaly_up 0$/m);
  });

  it('keeps the models of unchanged queries across a reconfiguration, and drops those of removed ones', async () => {
    let now = NOW;
    const updater = new Updater(config(prom.url), silentLog, () => now);
    await updater.runOnce();
    const kept = updater.queries[0]!;
    const models = [...kept.series.values()].map((s) => s.detector);
    prom.requests.length = 0;
    now += STEP;
    updater.reconfigure(
      parseConfig({
        prometheus: { url: prom.url },
        step: '1m',
        history: '1d',
        forecast: { horizons: ['2h'] },
        queries: [
          { name: 'load', query: 'demo_load', threshold: 300 },
          { name: 'fresh', query: 'demo_fresh' },
        ],
      }),
    );
    expect(updater.queries[0]).toBe(kept);
    expect([...kept.series.values()].map((s) => s.detector)).toEqual(models);
    await updater.runOnce();
    // The kept query pulls one new step; the new one its history.
    expect(prom.requests).toEqual([
      { query: 'demo_load', start: NOW + STEP, end: NOW + STEP },
      { query: 'demo_fresh', start: NOW + STEP - 86_400_000, end: NOW + STEP },
    ]);
    const { app } = createApp(testRuntime(), updater, silentLog);
    let text = (await request(app).get('/metrics').expect(200)).text;
    expect(text).toMatch(/^anomaly_series\{query="fresh"\} 2$/m);
    expect(text).toMatch(/^anomaly_forecast_value\{query="load",job="demo",instance="a",horizon="2h"\} /m);
    expect(text).not.toMatch(/horizon="1h"/);

    // A new step rebuilds every model; a removed query leaves no series behind.
    updater.reconfigure(
      parseConfig({
        prometheus: { url: prom.url },
        step: '2m',
        history: '1d',
        queries: [{ name: 'fresh', query: 'demo_fresh' }],
      }),
    );
    expect(updater.queries[0]!.series.size).toBe(0);
    text = (await request(app).get('/metrics').expect(200)).text;
    expect(text).not.toMatch(/query="load"/);
  });
});
