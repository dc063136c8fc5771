import { join } from 'node:path';
import { startHttp, startPrometheus, waitFor, type Prometheus } from '@vigil/testkit';

const ROOT = join(__dirname, '..', '..');

/**
 * The panel's own scoring functions and defaults. Its sources belong to its project (a browser build that
 * emits nothing), so they are loaded when the test runs rather than compiled into this one.
 */
type Signal = 'availability' | 'latency' | 'errors' | 'saturation';
type SignalOptions = { weight: number; good: number; bad: number };
const PANEL = join(ROOT, 'grafana-plugins/vigil-healthscore-panel/src');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded at run time, see above
const { healthScore, signalScore } = require(join(PANEL, 'health/score')) as {
  signalScore(value: number, o: SignalOptions): number | undefined;
  healthScore(
    scores: Partial<Record<Signal, number>>,
    signals: Record<Signal, SignalOptions>,
  ): number | undefined;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded at run time, see above
const { DEFAULT_SIGNALS } = require(join(PANEL, 'types')) as {
  DEFAULT_SIGNALS: Record<Signal, SignalOptions>;
};

/**
 * Per service: what its /metrics pretend (rates per second, shares of requests, a lag); absent parts
 * give the service fewer signals, as in production. Counters grow with time so that rates exist.
 */
const SERVICES = {
  api: { probes: [1, 0, 1], rate: 20, errors: 0.02, fast: 0.7, tolerable: 0.9, lag: 0.2 },
  web: { probes: [1] },
  worker: { rate: 5, errors: 0.1, fast: 0.2, tolerable: 0.5, lag: 0.6 },
  cron: { probes: [0, 1], lag: 0.01 },
} as const;
type Spec = {
  probes?: readonly number[];
  rate?: number;
  errors?: number;
  fast?: number;
  tolerable?: number;
  lag?: number;
};

function exposition(seconds: number): string {
  const lines: string[] = [];
  for (const [service, s] of Object.entries(SERVICES) as [string, Spec][]) {
    s.probes?.forEach((v, i) => lines.push(`probe_success{service="${service}",check="c${i}"} ${v}`));
    if (s.rate !== undefined) {
      const n = s.rate * seconds;
      const bad = n * (s.errors ?? 0);
      lines.push(`http_requests_total{service="${service}",status_class="2xx"} ${n - bad}`);
      lines.push(`http_requests_total{service="${service}",status_class="5xx"} ${bad}`);
      lines.push(`http_request_duration_seconds_bucket{service="${service}",le="0.25"} ${n * (s.fast ?? 1)}`);
      lines.push(
        `http_request_duration_seconds_bucket{service="${service}",le="1"} ${n * (s.tolerable ?? 1)}`,
      );
      lines.push(`http_request_duration_seconds_bucket{service="${service}",le="+Inf"} ${n}`);
      lines.push(`http_request_duration_seconds_count{service="${service}"} ${n}`);
    }
    if (s.lag !== undefined) lines.push(`nodejs_eventloop_lag_p99_seconds{service="${service}"} ${s.lag}`);
  }
  return `${lines.join('\n')}\n`;
}

interface Series {
  metric: Record<string, string>;
  values: [number, string][];
}

/**
 * The panel's self-computed score (scoreSource computed, its default weights generated from the mixin
 * config) against vigil:service_health_score recorded by a real Prometheus with the generated rules, on
 * the same inputs: the recorded signals over the same range.
 */
describe("the health-score panel's computed score and the recorded rule", () => {
  let prometheus: Prometheus;
  let target: Awaited<ReturnType<typeof startHttp>>;

  beforeAll(async () => {
    const start = Date.now();
    target = await startHttp((_req, res) => {
      res.setHeader('content-type', 'text/plain; version=0.0.4');
      res.end(exposition((Date.now() - start) / 1000 + 1000));
    });
    prometheus = await startPrometheus({
      config: {
        global: { scrape_interval: '1s', evaluation_interval: '1s' },
        // honor_labels: the services' labels as exposed, as a federation or pushgateway job keeps them.
        scrape_configs: [
          {
            job_name: 'services',
            honor_labels: true,
            static_configs: [{ targets: [`127.0.0.1:${target.port}`] }],
          },
        ],
      },
      ruleFiles: [join(ROOT, 'rules/prometheus/health-score.rules.yml')],
    });
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await target?.close();
  });

  async function range(expr: string, from: number, to: number): Promise<Series[]> {
    const url = new URL('/api/v1/query_range', prometheus.url);
    for (const [k, v] of Object.entries({ query: expr, start: from, end: to, step: 1 }))
      url.searchParams.set(k, String(v));
    const body = (await (await fetch(url)).json()) as { data: { result: Series[] } };
    return body.data.result;
  }

  it('agree for every service, whichever signals it has', async () => {
    const services = Object.keys(SERVICES);
    const recorded = await waitFor(
      'a score for every service',
      async () => {
        const found = await prometheus.query('vigil:service_health_score');
        return found.length === services.length ? found : undefined;
      },
      { timeoutMs: 30_000, everyMs: 500 },
    );
    // Both read at the same evaluation: the signals and the score that Prometheus recorded from them.
    const at = Math.min(...recorded.map((r) => r.value[0]));
    const [signals, scores] = await Promise.all(
      ['vigil:service_health_signal:ratio', 'vigil:service_health_score'].map((e) => range(e, at, at)),
    );
    // The panel in its computed mode: each signal's 0-1 score (signalScore with the default good and
    // bad), then the weighted mean with its default weights (healthScore), as services.ts does.
    const bySignal: Record<string, Partial<Record<Signal, number>>> = {};
    for (const s of signals ?? []) {
      const value = signalScore(Number(s.values.at(-1)?.[1]), DEFAULT_SIGNALS[s.metric.signal as Signal]);
      if (value !== undefined)
        (bySignal[s.metric.service as string] ??= {})[s.metric.signal as Signal] = value;
    }
    const computed = Object.fromEntries(
      Object.entries(bySignal).map(([service, values]) => [service, healthScore(values, DEFAULT_SIGNALS)]),
    );
    const fromRule: Record<string, number> = Object.fromEntries(
      (scores ?? []).map((s) => [s.metric.service, Number(s.values.at(-1)?.[1])]),
    );
    expect(Object.keys(computed).sort()).toEqual(services.sort());
    for (const service of services) expect(computed[service]).toBeCloseTo(fromRule[service] as number, 6);
    // The inputs reach every band: a sanity check that the comparison is not between two constants.
    expect(new Set(Object.values(fromRule).map((v) => Math.round(v))).size).toBeGreaterThan(2);
  }, 60_000);
});
