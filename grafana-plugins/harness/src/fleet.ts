import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * How a simulated service behaves: its health checks' results, its HTTP traffic and its event-loop lag.
 * Shares of requests are of the requests per second: `errors` answer 500; `tolerating` take 0.5 s and
 * `slow` 2 s (Apdex T = 0.25 s, 4T = 1 s in rules/), the rest 50 ms. `rampSeconds` grows the error
 * share from 0 to `errors` over that long, so the trend shows a service getting worse.
 */
export interface ServiceProfile {
  service: string;
  checks: Record<string, 0 | 1>;
  rps?: number;
  errors?: number;
  tolerating?: number;
  slow?: number;
  lagSeconds?: number;
  rampSeconds?: number;
  dependsOn?: string[];
}

/** A small platform with every band: healthy, degraded latency or saturation, failing, and down. */
export const FLEET: ServiceProfile[] = [
  { service: 'api', checks: { http: 1, tcp: 1 }, rps: 40, errors: 0.005, tolerating: 0.05, lagSeconds: 0.01 },
  {
    service: 'checkout',
    checks: { http: 1 },
    rps: 20,
    errors: 0.08,
    rampSeconds: 30,
    tolerating: 0.1,
    lagSeconds: 0.02,
    dependsOn: ['payments', 'inventory'],
  },
  {
    service: 'payments',
    checks: { http: 1, tls: 0 },
    rps: 10,
    errors: 0.01,
    tolerating: 0.2,
    lagSeconds: 0.1,
  },
  { service: 'search', checks: { http: 1 }, rps: 30, slow: 0.5, tolerating: 0.25, lagSeconds: 0.03 },
  { service: 'auth', checks: { http: 1 }, rps: 25, lagSeconds: 0.4 },
  {
    service: 'inventory',
    checks: { http: 0, tcp: 0 },
    rps: 10,
    errors: 0.6,
    tolerating: 0.1,
    lagSeconds: 0.05,
  },
  { service: 'db', checks: { tcp: 1 } },
  { service: 'notifications', checks: { http: 1 }, rps: 5, lagSeconds: 0.005 },
];

const TICK_MS = 200;

export interface Fleet {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves /metrics for the fleet with prom-client, under the names the health-score and service-health
 * rules read (probe_success, http_requests_total, http_request_duration_seconds,
 * nodejs_eventloop_lag_p99_seconds, healthcheck_service_status, healthcheck_dependency_info), with
 * traffic counted as it happens, so that Prometheus's rates and the recorded scores are real.
 */
export async function startFleet(profiles: ServiceProfile[] = FLEET): Promise<Fleet> {
  const registry = new Registry();
  const probe = new Gauge({
    name: 'probe_success',
    help: 'Check result',
    labelNames: ['service', 'check'],
    registers: [registry],
  });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'Requests',
    labelNames: ['service', 'route', 'method', 'status_class'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Request duration',
    labelNames: ['service'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const lag = new Gauge({
    name: 'nodejs_eventloop_lag_p99_seconds',
    help: 'Lag',
    labelNames: ['service'],
    registers: [registry],
  });
  const status = new Gauge({
    name: 'healthcheck_service_status',
    help: 'Status',
    labelNames: ['service', 'status'],
    registers: [registry],
  });
  const dependency = new Gauge({
    name: 'healthcheck_dependency_info',
    help: 'Dependency',
    labelNames: ['service', 'dependency'],
    registers: [registry],
  });

  const down = new Set(
    profiles.filter((p) => Object.values(p.checks).every((c) => c === 0)).map((p) => p.service),
  );
  for (const p of profiles) {
    for (const [check, ok] of Object.entries(p.checks)) probe.set({ service: p.service, check }, ok);
    if (p.lagSeconds !== undefined) lag.set({ service: p.service }, p.lagSeconds);
    const impacted = (p.dependsOn ?? []).some((d) => down.has(d));
    const current = down.has(p.service) ? 'down' : impacted ? 'impacted' : 'ok';
    for (const s of ['ok', 'degraded', 'down', 'impacted'])
      status.set({ service: p.service, status: s }, s === current ? 1 : 0);
    for (const d of p.dependsOn ?? []) dependency.set({ service: p.service, dependency: d }, 1);
  }

  const started = Date.now();
  // Fractions of a request carried over to the next tick, so that small shares still happen at their rate.
  const carry = new Map<string, number>();
  const take = (key: string, amount: number) => {
    const total = (carry.get(key) ?? 0) + amount;
    const whole = Math.floor(total);
    carry.set(key, total - whole);
    return whole;
  };
  const tick = () => {
    const elapsed = (Date.now() - started) / 1000;
    for (const p of profiles) {
      if (!p.rps) continue;
      const n = take(`${p.service}/all`, (p.rps * TICK_MS) / 1000);
      const ramp = p.rampSeconds ? Math.min(1, elapsed / p.rampSeconds) : 1;
      const errors = take(`${p.service}/errors`, n * (p.errors ?? 0) * ramp);
      const slow = take(`${p.service}/slow`, n * (p.slow ?? 0));
      const tolerating = take(`${p.service}/tolerating`, n * (p.tolerating ?? 0));
      for (let i = 0; i < n; i++) {
        const statusClass = i < errors ? '5xx' : '2xx';
        requests.inc({ service: p.service, route: '/', method: 'GET', status_class: statusClass });
        duration.observe({ service: p.service }, i < slow ? 2 : i < slow + tolerating ? 0.5 : 0.05);
      }
    }
  };
  const timer = setInterval(tick, TICK_MS);

  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      clearInterval(timer);
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
