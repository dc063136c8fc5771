import { parseConfig } from '../src/config';
import { Scheduler } from '../src/scheduler';
import { silentLog, startHttp } from './helpers';

describe('the check scheduler', () => {
  let server: Awaited<ReturnType<typeof startHttp>>;
  let active = 0;
  let peak = 0;
  let hits = 0;
  beforeAll(async () => {
    server = await startHttp((_req, res) => {
      hits++;
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
            url: server.url,
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
});
