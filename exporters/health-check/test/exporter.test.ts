import { waitFor } from '@vigil/testkit';
import pino from 'pino';
import { parseConfig } from '../src/config';
import { Exporter } from '../src/exporter';
import { startHttp } from './helpers';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('reloading the exporter', () => {
  let server: Awaited<ReturnType<typeof startHttp>>;
  const hits = new Map<string, number>();
  beforeAll(async () => {
    server = await startHttp((req, res) => {
      hits.set(req.url as string, (hits.get(req.url as string) ?? 0) + 1);
      res.end('ok');
    });
  });
  afterAll(() => server.close());

  /** Service api with http checks named after their paths, run every minute. */
  const config = (checks: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}) =>
    parseConfig({
      server: { listen_address: '127.0.0.1', port: 9470 },
      defaults: { interval: '1m', timeout: '1s' },
      services: {
        api: {
          checks: Object.entries(checks).map(([name, check]) => ({
            name,
            kind: 'http',
            url: `${server.url}/${name}`,
            ...check,
          })),
        },
      },
      ...extra,
    });
  const resultOf = (exporter: Exporter, name: string) => {
    const { config: current, scheduler } = exporter.current;
    return scheduler.result(current.services[0]!.checks.find((c) => c.name === name)!);
  };
  const log = pino({ level: 'silent' });

  it('keeps the results and phase of unchanged checks, runs new and changed ones at once, drops removed ones', async () => {
    hits.clear();
    const exporter = new Exporter(config({ same: {}, changed: {}, removed: {} }), log);
    try {
      exporter.start();
      await exporter.current.scheduler.runAll();
      const kept = resultOf(exporter, 'same');
      expect(kept?.success).toBe(true);
      const before = hits.get('/same');

      const summary = await exporter.reload(
        config({ same: {}, changed: { expected_status: [200, 204] }, added: {} }),
      );
      expect(summary).toEqual({ services: 1, checks: 3, kept: 1, fresh: 2 });
      // The same result object, not a new run: an unchanged check is next due a minute after its last run.
      expect(resultOf(exporter, 'same')).toBe(kept);
      expect(resultOf(exporter, 'changed')).toBeUndefined();
      expect(exporter.current.config.services[0]!.checks.map((c) => c.name)).toEqual([
        'same',
        'changed',
        'added',
      ]);
      // Run at once, not a minute on: within seconds even on a loaded machine.
      await waitFor(
        'the new and changed checks to run',
        async () => (resultOf(exporter, 'changed') && resultOf(exporter, 'added') ? true : undefined),
        { timeoutMs: 5000, everyMs: 20 },
      );
      expect(resultOf(exporter, 'changed')?.success).toBe(true);
      expect(resultOf(exporter, 'added')?.success).toBe(true);
      expect(hits.get('/same')).toBe(before);
      expect(exporter.current.metrics.render().toString()).not.toContain('check="removed"');
    } finally {
      await exporter.stop();
    }
  });

  it('counts a check with a changed setting (a header here; a rotated secret alike) or timeout as changed', async () => {
    const headers = { Authorization: 'Bearer a' };
    const exporter = new Exporter(config({ c: { headers }, t: {} }), log);
    try {
      await exporter.current.scheduler.runAll();
      expect(await exporter.reload(config({ c: { headers }, t: {} }))).toMatchObject({ kept: 2 });
      await exporter.current.scheduler.runAll();
      const changed = config({ c: { headers: { Authorization: 'Bearer b' } }, t: { timeout: '2s' } });
      expect(await exporter.reload(changed)).toMatchObject({ kept: 0, fresh: 2 });
    } finally {
      await exporter.stop();
    }
  });

  it('is ready once the first round of checks has run, and stays ready across reloads', async () => {
    const exporter = new Exporter(config({ a: {} }), log);
    try {
      expect(exporter.notReady()).toBe('checks have not started');
      exporter.start();
      expect(exporter.notReady()).toBe('first round of checks: 1 have not completed yet');
      for (let i = 0; i < 100 && exporter.notReady(); i++) await sleep(10);
      expect(exporter.notReady()).toBeUndefined();
      await exporter.reload(config({ a: {}, b: {} }));
      expect(exporter.notReady()).toBeUndefined();
    } finally {
      await exporter.stop();
    }
  });
});
