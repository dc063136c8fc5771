import type { Logger } from '@vigil/service-kit';
import request from 'supertest';
import { createApp } from '../src/app';
import { parseConfig } from '../src/config';
import { THRESHOLD } from '../src/detectors/novelty';
import { Updater } from '../src/updater';
import { silentLog, startHttp, testRuntime } from './helpers';

const STEP = 60_000;
const NOW = 1_800_000_000_000;
/** The level shift: 30 before it, 60 from it on. */
const SHIFT = NOW + 3 * STEP;

/** A logger that keeps what it is told at warn level. */
function recordingLog() {
  const warnings: { fields: Record<string, unknown>; msg: string }[] = [];
  const log = {
    ...silentLog,
    warn: (fields: Record<string, unknown>, msg: string) => warnings.push({ fields, msg }),
  } as unknown as Logger;
  return { log, warnings };
}

/**
 * A fake Prometheus answering query_range for one series: about 30 (a little noise), 60 from SHIFT on. While
 * `failing`, and once it has answered `answers` requests, it answers 503 with a text body, as a Prometheus
 * behind a proxy does while it restarts. While `gone` the series is not there (its pod was replaced).
 */
async function fakePrometheus() {
  const state = { failing: false, answers: Infinity, gone: false };
  const server = await startHttp((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (state.failing || state.answers-- <= 0) {
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end(
          'upstream connect error or disconnect/reset before headers. reset reason: connection failure\n',
        );
        return;
      }
      const p = new URLSearchParams(body);
      const values: [number, string][] = [];
      for (let t = Number(p.get('start')) * 1000; t <= Number(p.get('end')) * 1000; t += STEP) {
        values.push([t / 1000, String(t >= SHIFT ? 60 : 30 + ((t / STEP) % 3))]);
      }
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          status: 'success',
          data: {
            resultType: 'matrix',
            result: state.gone ? [] : [{ metric: { instance: 'web-1' }, values }],
          },
        }),
      );
    });
  });
  return { ...server, state };
}

const config = (url: string) =>
  parseConfig({ prometheus: { url }, step: '1m', history: '1d', queries: [{ name: 'load', query: 'load' }] });

const series = (text: string, metric: string) =>
  Number(new RegExp(`^${metric}\\{query="load",instance="web-1"\\} (\\S+)$`, 'm').exec(text)?.[1]);

describe('no score lost between pulls', () => {
  let prom: Awaited<ReturnType<typeof fakePrometheus>>;
  beforeAll(async () => (prom = await fakePrometheus()));
  afterAll(() => prom.close());
  beforeEach(() => Object.assign(prom.state, { failing: false, answers: Infinity, gone: false }));

  it('exports the highest score a catching-up pull learnt, the same to every scraper, until the next pull', async () => {
    // One exporter pulls every step, as when Prometheus answers; it sees the shift's score as it comes.
    let now = NOW;
    const direct = new Updater(config(prom.url), silentLog, () => now);
    await direct.runOnce();
    const scores: number[] = [];
    for (let i = 1; i <= 10; i++) {
      now = NOW + i * STEP;
      await direct.runOnce();
      scores.push([...direct.queries[0]!.series.values()][0]!.last!.score);
    }
    const highest = Math.max(...scores);
    expect(highest).toBeGreaterThan(0.9);

    // The other cannot pull while Prometheus answers 503, then catches up in one pull of ten steps.
    const { log, warnings } = recordingLog();
    let later = NOW;
    const updater = new Updater(config(prom.url), log, () => later);
    await updater.runOnce();
    const { app } = createApp(testRuntime(), updater, log);
    const scrape = async () => (await request(app).get('/metrics').expect(200)).text;
    // At start the history only trains: the highest is the latest sample's score, as anomaly_score.
    let text = await scrape();
    expect(series(text, 'anomaly_score_max')).toBe(series(text, 'anomaly_score'));
    prom.state.failing = true;
    later = NOW + 5 * STEP;
    await updater.runOnce();
    expect(updater.up).toBe(false);
    expect(warnings[0]!.msg).toBe('cannot pull query');
    expect(warnings[0]!.fields).toMatchObject({
      query: 'load',
      status: 503,
      err: expect.stringMatching(
        /answered HTTP 503 Service Unavailable, not JSON: upstream connect error or disconnect\/reset before headers/,
      ) as unknown,
    });
    prom.state.failing = false;
    later = NOW + 10 * STEP;
    await updater.runOnce();
    expect(updater.up).toBe(true);
    text = await scrape();
    // The latest sample scores below the threshold (held there after the detection); the shift three steps
    // into the pull is not lost.
    expect(series(text, 'anomaly_score')).toBeLessThan(THRESHOLD);
    expect(series(text, 'anomaly_score_max')).toBe(highest);
    // A second scraper (an HA pair) sees the same, and so does a third, until the next pull.
    expect(series(await scrape(), 'anomaly_score_max')).toBe(highest);
    expect(series(await scrape(), 'anomaly_score_max')).toBe(highest);
    later = NOW + 11 * STEP;
    await updater.runOnce();
    text = await scrape();
    expect(series(text, 'anomaly_score_max')).toBe(series(text, 'anomaly_score'));
    expect(series(text, 'anomaly_score_max')).toBeLessThan(THRESHOLD);
  });

  it('keeps the highest score while a pull brings no new sample, and while Prometheus cannot be reached', async () => {
    let now = NOW;
    const updater = new Updater(config(prom.url), silentLog, () => now);
    await updater.runOnce();
    now = NOW + 4 * STEP;
    await updater.runOnce();
    const max = () => [...updater.queries[0]!.series.values()][0]!.maxScore;
    const highest = max()!;
    expect(highest).toBeGreaterThan(0.9);
    // The same step again: nothing new.
    await updater.runOnce();
    expect(max()).toBe(highest);
    prom.state.failing = true;
    now = NOW + 5 * STEP;
    await updater.runOnce();
    expect(max()).toBe(highest);
  });

  it('counts all of a history pull that stopped part way as history, when the rest comes in the next pull', async () => {
    // 10 days at 1m are two requests of up to 10,000 steps; the shift lies in the second, 100 steps before
    // the end.
    const now = SHIFT + 100 * STEP;
    const cfg = parseConfig({
      prometheus: { url: prom.url },
      step: '1m',
      history: '10d',
      queries: [{ name: 'load', query: 'load' }],
    });
    const updater = new Updater(cfg, silentLog, () => now);
    prom.state.answers = 1;
    await updater.runOnce();
    expect(updater.up).toBe(false);
    prom.state.answers = Infinity;
    await updater.runOnce();
    expect(updater.up).toBe(true);
    const state = [...updater.queries[0]!.series.values()][0]!;
    expect(state.lastSampleMs).toBe(now);
    // The shift only trained the model: the highest is the latest sample's score, not the shift's.
    expect(state.maxScore).toBe(state.last!.score);
    expect(state.maxScore).toBeLessThan(THRESHOLD);
  });

  it('stops exporting a series that has had no sample for 5 steps, keeping its model should it come back', async () => {
    let now = NOW;
    const updater = new Updater(config(prom.url), silentLog, () => now);
    await updater.runOnce();
    const { app } = createApp(testRuntime(), updater, silentLog);
    const scrape = async () => (await request(app).get('/metrics').expect(200)).text;
    const model = [...updater.queries[0]!.series.values()][0]!.detector;
    prom.state.gone = true;
    now = NOW + 4 * STEP;
    await updater.runOnce();
    expect(series(await scrape(), 'anomaly_score_max')).toBeGreaterThanOrEqual(0);
    now = NOW + 5 * STEP;
    await updater.runOnce();
    let text = await scrape();
    expect(text).not.toMatch(/instance="web-1"/);
    expect(text).toMatch(/^anomaly_series\{query="load"\} 1$/m);
    prom.state.gone = false;
    now = NOW + 6 * STEP;
    await updater.runOnce();
    text = await scrape();
    expect(series(text, 'anomaly_score')).toBeGreaterThanOrEqual(0);
    expect([...updater.queries[0]!.series.values()][0]!.detector).toBe(model);
  });
});
