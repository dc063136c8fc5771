import { parseConfig } from '../src/config';
import { Scheduler } from '../src/scheduler';
import { silentLog, startHttp } from './helpers';

describe('the check scheduler', () => {
  let server: Awaited<ReturnType<typeof startHttp>>;
  let active = 0;
  let peak = 0;
  let hits = 0;
  const paths: string[] = [];
  beforeAll(async () => {
    server = await startHttp((req, res) => {
      hits++;
      paths.push(req.url as string);
      peak = Math.max(peak, ++active);
      setTimeout(() => {
        active--;
        res.end('ok');
      }, 50);
    });
  });
  afterAll(() => server.close());

  const checks = (n: number, interval = '1m', timeout = '1s') =>
    parseConfig({
      services: {
        api: {
          checks: Array.from({ length: n }, (_, i) => ({
            name: `c${i}`,
            kind: 'http',
            url: `${server.url}/c${i}`,
            interval,
            timeout,
          })),
        },
      },
    }).services[0]!.checks;

  it('never runs more checks at once than the limit, and keeps every result', async () => {
    peak = 0;
    const list = checks(8);
    const scheduler = new Scheduler(list, 3, silentLog);
    await scheduler.runAll();
    expect(peak).toBe(3);
    expect(list.every((c) => scheduler.result(c)?.success)).toBe(true);
    await scheduler.stop();
  });

  it('runs each check again on its interval until stopped', async () => {
    hits = 0;
    const scheduler = new Scheduler(checks(1, '100ms', '90ms'), 4, silentLog);
    scheduler.start();
    await new Promise((resolve) => setTimeout(resolve, 380));
    await scheduler.stop();
    // Runs at about 0, 100, 200 and 300 ms; each takes 50 ms of the interval, which the cadence absorbs.
    expect(hits).toBeGreaterThanOrEqual(3);
    expect(hits).toBeLessThanOrEqual(5);
    const after = hits;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(hits).toBe(after);
  });

  it('spreads the checks over their interval after the first round', async () => {
    paths.length = 0;
    const scheduler = new Scheduler(checks(4, '2s', '500ms'), 4, silentLog);
    scheduler.start();
    // All four run at once; then c0..c3 are next due 0.5, 1, 1.5 and 2 s after that round.
    await new Promise((resolve) => setTimeout(resolve, 1250));
    await scheduler.stop();
    const runs = (c: string) => paths.filter((p) => p === `/${c}`).length;
    expect(['c0', 'c1', 'c2', 'c3'].map(runs)).toEqual([2, 2, 1, 1]);
  });
});
