import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promtoolBinary, startPrometheus, type Prometheus } from '@vigil/testkit';
import request from 'supertest';
import { createApp } from '../src/app';
import { parseConfig } from '../src/config';
import { Updater } from '../src/updater';
import { silentLog, tempDir, testRuntime } from './helpers';

const STEP = 300_000;
const DAY = 86_400_000;

/**
 * A real Prometheus serves backfilled series (two days of a noisy daily cycle): one whose last sample jumps
 * far outside it, one with a spike two steps before the end. The exporter pulls them with query_range,
 * then again four steps later in one pull (as after Prometheus was slow or down): the jump's anomaly score
 * crosses the alert threshold (0.5), not before; the spike's is not lost in the middle of the pull.
 */
describe('against a real Prometheus', () => {
  const temp = tempDir('vigil-anomaly-prom-');
  let prometheus: Prometheus | undefined;
  afterAll(async () => {
    await prometheus?.stop();
    temp.cleanup();
  });

  it('scores an injected jump above the alert threshold', async () => {
    // Ends three hours ago, so that the backfilled blocks lie wholly before Prometheus's head block.
    const end = Math.floor((Date.now() - 3 * 3_600_000) / STEP) * STEP;
    const start = end - 2 * DAY;
    let seed = 42;
    const lines = ['# HELP demo_load A synthetic load.', '# TYPE demo_load gauge'];
    for (let t = start; t <= end; t += STEP) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const value = 50 + 20 * Math.sin((2 * Math.PI * t) / DAY) + 4 * (seed / 2147483648);
      lines.push(`demo_load{instance="synthetic"} ${(value + (t === end ? 100 : 0)).toFixed(3)} ${t / 1000}`);
      lines.push(
        `demo_load{instance="spike"} ${(value + (t === end - 2 * STEP ? 100 : 0)).toFixed(3)} ${t / 1000}`,
      );
    }
    lines.push('# EOF');
    writeFileSync(join(temp.dir, 'series.om'), `${lines.join('\n')}\n`);
    const data = join(temp.dir, 'data');
    execFileSync(
      promtoolBinary(),
      ['tsdb', 'create-blocks-from', 'openmetrics', join(temp.dir, 'series.om'), data],
      {
        stdio: 'ignore',
      },
    );
    prometheus = await startPrometheus({
      dir: temp.dir,
      config: { global: { scrape_interval: '1m' } },
      storagePath: data,
    });
    const { url } = prometheus;

    const config = parseConfig({
      prometheus: { url },
      step: '5m',
      history: '2d',
      queries: [{ name: 'load', query: 'demo_load' }],
    });
    let now = end - 4 * STEP;
    const updater = new Updater(config, silentLog, () => now);
    await updater.runOnce();
    expect(updater.up).toBe(true);
    const states = () => [...updater.queries[0]!.series.values()];
    expect(states().map((s) => s.lastSampleMs)).toEqual([end - 4 * STEP, end - 4 * STEP]);
    for (const s of states()) expect(s.last!.score).toBeLessThan(0.5);

    now = end;
    await updater.runOnce();
    expect(states().map((s) => s.lastSampleMs)).toEqual([end, end]);
    const res = await request(createApp(testRuntime(), updater, silentLog).app)
      .get('/metrics')
      .expect(200);
    const value = (metric: string, instance: string) =>
      Number(
        new RegExp(`^${metric}\\{query="load",instance="${instance}"\\} (\\S+)$`, 'm').exec(res.text)?.[1],
      );
    expect(value('anomaly_score', 'synthetic')).toBeGreaterThan(0.5);
    expect(value('anomaly_score_max', 'synthetic')).toBe(value('anomaly_score', 'synthetic'));
    expect(value('anomaly_score', 'spike')).toBeLessThan(0.5);
    expect(value('anomaly_score_max', 'spike')).toBeGreaterThan(0.5);
    expect(res.text).toMatch(/^anomaly_up 1$/m);
  });

  it('pulls with a step of a fractional second, which Prometheus takes only as a plain number', async () => {
    const config = parseConfig({
      prometheus: { url: prometheus!.url },
      step: '1500ms',
      history: '1m',
      queries: [{ name: 'up', query: 'vector(1)' }],
    });
    const updater = new Updater(config, silentLog, () => Date.now());
    await updater.runOnce();
    expect(updater.up).toBe(true);
    expect(updater.queries[0]!.series.size).toBe(1);
  });
});
