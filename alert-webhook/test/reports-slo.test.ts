import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  promtoolBinary,
  startForwardProxy,
  startPrometheus,
  type ForwardProxy,
  type Prometheus,
  type SmtpSink,
} from '@vigil/testkit';
import type { SlaReport } from '@vigil/api-contract';
import request from 'supertest';
import { ERROR_RATE_SERIES, OBJECTIVE_SERIES, TOTAL_RATE_SERIES } from '../src/reports/slo';
import { startSmtpServer } from './fixtures/notify/smtp';
import { insertIncident, manualClock, startReportsApp, tempDir, TOKENS } from './fixtures/reports';

const STEP = 300_000;
const HOUR = 3_600_000;
const WEEK = 7 * 86_400_000;
const ROOT = join(__dirname, '..', '..');

/**
 * Two weeks of the series the generated SLO rules record, backfilled into a real Prometheus with promtool:
 * - checkout/availability (99.9 %): 0.05 % of 100 requests a second fail this week (half its budget), with
 *   six hours without traffic that must weigh nothing; 0.2 % the week before (twice its budget).
 * - checkout/latency (99 %): 1 % of 50 a second this week (its whole budget); no traffic at all the week
 *   before (no ratio, 0/0).
 */
function openMetrics(end: number): string {
  const availability = 'service="checkout",slo="availability"';
  const latency = 'service="checkout",slo="latency"';
  const families: Record<string, string[]> = {
    [ERROR_RATE_SERIES]: [],
    [TOTAL_RATE_SERIES]: [],
    [OBJECTIVE_SERIES]: [],
  };
  const sample = (series: string, labels: string, value: number, t: number) =>
    families[series]!.push(`${series}{${labels}} ${value} ${t / 1000}`);
  for (let t = end - 2 * WEEK + STEP; t <= end; t += STEP) {
    const thisWeek = t > end - WEEK;
    const idle = thisWeek && t > end - 2 * 86_400_000 && t <= end - 2 * 86_400_000 + 6 * HOUR;
    const total = idle ? 0 : 100;
    sample(ERROR_RATE_SERIES, availability, total * (thisWeek ? 0.0005 : 0.002), t);
    sample(TOTAL_RATE_SERIES, availability, total, t);
    sample(ERROR_RATE_SERIES, latency, thisWeek ? 0.5 : 0, t);
    sample(TOTAL_RATE_SERIES, latency, thisWeek ? 50 : 0, t);
    sample(OBJECTIVE_SERIES, availability, 0.999, t);
    sample(OBJECTIVE_SERIES, latency, 0.99, t);
  }
  // OpenMetrics wants a metric family's samples together.
  const lines = Object.entries(families).flatMap(([name, samples]) => [`# TYPE ${name} gauge`, ...samples]);
  return [...lines, '# EOF', ''].join('\n');
}

const email = (port: number) => ({
  kind: 'email',
  smtp: { host: '127.0.0.1', port },
  from: 'Vigil <vigil@example.com>',
  to: ['team@example.com'],
  timeout: '5s',
});

const reportsConfig = (prometheus: Record<string, unknown>, smtpPort: number) => ({
  notifications: {
    channels: { 'team-email': email(smtpPort) },
    retry: { max_attempts: 1, initial_delay: '10ms', max_delay: '20ms' },
  },
  reports: {
    sla: [{ severity: 'critical', acknowledge_within: '15m' }],
    schedules: [{ name: 'weekly', cron: '0 8 * * 1', period: '7d', channels: ['team-email'] }],
    prometheus,
  },
});

type App = Awaited<ReturnType<typeof startReportsApp>>;

/** The whole app with this configuration at `now`, closed after `use`. */
async function withApp(doc: Record<string, unknown>, now: number, use: (t: App) => Promise<void>) {
  const dir = tempDir();
  const t = await startReportsApp(doc, manualClock(new Date(now).toISOString()), dir.dir);
  try {
    await use(t);
  } finally {
    await t.close();
    dir.cleanup();
  }
}

const fetchReport = (t: App, path: string, query: Record<string, string>) =>
  request(t.app).get(path).query(query).set('Authorization', `Bearer ${TOKENS.viewer}`).expect(200);

describe('SLO attainment in reports', () => {
  const temp = tempDir();
  // Ends three hours ago, so that the backfilled blocks lie wholly before Prometheus's head block.
  const end = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;
  const from = new Date(end - WEEK).toISOString();
  const to = new Date(end).toISOString();
  let prometheus: Prometheus;
  let proxy: ForwardProxy;
  let smtp: SmtpSink;

  beforeAll(async () => {
    writeFileSync(join(temp.dir, 'series.om'), openMetrics(end));
    const data = join(temp.dir, 'data');
    execFileSync(
      promtoolBinary(),
      ['tsdb', 'create-blocks-from', 'openmetrics', join(temp.dir, 'series.om'), data],
      {
        stdio: 'ignore',
      },
    );
    [prometheus, proxy, smtp] = await Promise.all([
      startPrometheus({ dir: temp.dir, config: { global: { scrape_interval: '1m' } }, storagePath: data }),
      startForwardProxy(),
      startSmtpServer(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([prometheus?.stop(), proxy?.close(), smtp?.close()]);
    temp.cleanup();
  });

  it('reads the series the SLO generator records', () => {
    const rules = readFileSync(join(ROOT, 'rules', 'generated', 'slo-demo-availability.rules.yml'), 'utf8');
    for (const series of [ERROR_RATE_SERIES, TOTAL_RATE_SERIES, OBJECTIVE_SERIES])
      expect(rules).toContain(`record: ${series}\n`);
  });

  it('answers budget consumed per SLO and the previous period, in JSON, CSV and the mailed report', async () => {
    // Through the proxy of http_config, which sees every query.
    const doc = reportsConfig({ url: prometheus.url, http_config: { proxy_url: proxy.url } }, smtp.port);
    await withApp(doc, end + 30_000, async (t) => {
      // This week: two criticals acknowledged in 5 and 25 minutes; the week before: one in 10.
      const opened = (msBeforeEnd: number) => new Date(end - msBeforeEnd).toISOString();
      for (const [before, ackAfter] of [
        [HOUR, 300],
        [2 * HOUR, 1500],
        [WEEK + HOUR, 600],
      ] as const)
        await insertIncident(t.db, {
          severity: 'critical',
          service: 'checkout',
          opened: opened(before),
          ackAfter,
        });

      const report = (await fetchReport(t, '/api/v1/reports/sla', { from, to })).body as SlaReport;
      expect(report.slo.status).toBe('ok');
      expect(report.slo.error).toBeNull();
      const [availability, latency] = report.slo.objectives;
      expect(availability).toMatchObject({ service: 'checkout', slo: 'availability', objective: 0.999 });
      expect(availability!.error_ratio).toBeCloseTo(0.0005, 12);
      expect(availability!.budget_consumed).toBe(0.5);
      expect(latency).toMatchObject({
        service: 'checkout',
        slo: 'latency',
        objective: 0.99,
        budget_consumed: 1,
      });
      expect(proxy.requests.some((r) => r.target.startsWith(`${prometheus.url}/api/v1/query?`))).toBe(true);

      const c = report.comparison;
      expect(c.previous_from).toBe(new Date(end - 2 * WEEK).toISOString());
      expect(c.previous_to).toBe(from);
      expect(c.incidents).toEqual({ current: 2, previous: 1, delta: 1 });
      expect(c.mtta_seconds).toEqual({ current: 900, previous: 600, delta: 300 });
      expect(c.sla).toEqual([
        { severity: 'critical', attainment: { current: 0.5, previous: 1, delta: -0.5 } },
      ]);
      expect(c.slo).toEqual([
        {
          service: 'checkout',
          slo: 'availability',
          budget_consumed: { current: 0.5, previous: 2, delta: -1.5 },
        },
        { service: 'checkout', slo: 'latency', budget_consumed: { current: 1, previous: null, delta: null } },
      ]);

      const csv = (await fetchReport(t, '/api/v1/reports/sla.csv', { from, to })).text;
      expect(csv).toContain('\r\nslo_source,ok,\r\n');
      const sloRow = csv.split('\r\n').find((line) => line.startsWith('slo,checkout,availability,'));
      expect(sloRow).toMatch(/^slo,checkout,availability,0\.999,0\.000[45]\d*,0\.5$/);
      expect(csv).toContain('\r\ncomparison,incidents,,2,1,1\r\n');
      expect(csv).toContain('\r\ncomparison,sla_attainment,critical,0.5,1,-0.5\r\n');
      expect(csv).toContain('\r\ncomparison,slo_budget_consumed,checkout/latency,1,,\r\n');

      smtp.received.length = 0;
      expect(await t.reports.run('weekly', new Date(end))).toEqual([
        { channel: 'team-email', status: 'sent', attempts: 1 },
      ]);
      const text = smtp.received[0]?.text ?? '';
      expect(text).toMatch(/checkout +availability +99\.9% +0\.050% +50\.0%/);
      expect(text).toMatch(/checkout +latency +99% +1\.000% +100\.0%/);
      expect(text).toMatch(/Incidents +2 +1 +\+1/);
      expect(text).toMatch(/MTTA +15m 00s +10m 00s +\+5m 00s/);
      expect(text).toMatch(/SLA critical +50\.0% +100\.0% +-50\.0 pts/);
      expect(text).toMatch(/Budget checkout\/availability +50\.0% +200\.0% +-150\.0 pts/);
      expect(text).toMatch(/Budget checkout\/latency +100\.0% +- +-\n/);
    });
  });

  it('says so when Prometheus does not answer, and reports the incidents anyway', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    await withApp(reportsConfig({ url, timeout: '2s' }, smtp.port), end + 30_000, async (t) => {
      await insertIncident(t.db, { severity: 'critical', opened: new Date(end - HOUR).toISOString() });
      const report = (await fetchReport(t, '/api/v1/reports/sla', { from, to })).body as SlaReport;
      expect(report.incidents.total).toBe(1);
      expect(report.slo).toEqual({
        status: 'unavailable',
        error: expect.stringContaining(`Prometheus at ${url} did not answer`),
        objectives: [],
      });
      expect(report.comparison.slo).toEqual([]);

      smtp.received.length = 0;
      await t.reports.run('weekly', new Date(end));
      expect(smtp.received[0]?.text).toContain(
        `Prometheus could not be queried: Prometheus at ${url} did not answer`,
      );
    });
  });

  it('says SLOs are not configured without reports.prometheus', async () => {
    await withApp({}, end + 30_000, async (t) => {
      const report = (await fetchReport(t, '/api/v1/reports/sla', { from, to })).body as SlaReport;
      expect(report.slo).toEqual({ status: 'not_configured', error: null, objectives: [] });
    });
  });
});
