import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exporterBinary, findBinary, tempDir, waitFor } from '@vigil/testkit';
import { createTransport } from 'nodemailer';
import { portTaken, startTempStack, type Stack } from '../../scripts/stack/src/stack';

/** The checks below wait for the stack to settle (targets up, first scrapes); it takes seconds. */
const eventually = <T>(what: string, probe: () => Promise<T | undefined>) =>
  waitFor(what, probe, { timeoutMs: 20_000, everyMs: 250 });

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface Target {
  labels: { job: string };
  health: string;
}

describe('npm run stack (native)', () => {
  let stack: Stack | undefined;
  const printed: string[] = [];

  beforeAll(async () => {
    stack = await startTempStack({
      scrapeInterval: '1s',
      checkInterval: '1s',
      log: (line) => printed.push(line),
    });
  });

  it("prints the demo's load balancer, through which the demo answers", async () => {
    if (!exporterBinary('nginx') || !findBinary(['nginx'], `${process.env.PATH ?? ''}:/usr/sbin`)) return;
    // The last such line: a stack that lost a port to another process meanwhile starts again.
    const line = printed.findLast((l) => l.startsWith('demo load balancer (nginx) ready at '));
    const url = /ready at (\S+),/.exec(line ?? '')?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    // And with the URLs printed once all is ready (cli.ts), under its own name.
    expect(stack?.loadBalancer).toBe(url);
  });

  afterAll(() => stack?.stop());

  const get = async (path: string) => {
    const response = await fetch(`${stack?.urls.prometheus}${path}`);
    return (await response.json()) as { data: unknown };
  };

  it('gets every local target up in Prometheus', async () => {
    const expected = [
      'prometheus',
      'alertmanager',
      'alert-webhook',
      'health-check',
      'logs',
      'anomaly',
      'demo',
    ];
    if (findBinary(['node_exporter', 'prometheus-node-exporter'])) expected.push('node');
    if (findBinary(['victoria-metrics', 'victoria-metrics-prod'])) expected.push('victoria-metrics');
    for (const kind of ['postgres', 'redis', 'process', 'nginx'] as const)
      if (exporterBinary(kind)) expected.push(kind);
    const targets = await eventually('every target up', async () => {
      const { activeTargets } = (await get('/api/v1/targets')).data as { activeTargets: Target[] };
      // Prometheus lists no targets until it has loaded its config, so wait for all of them.
      const allUp = activeTargets.length === expected.length && activeTargets.every((t) => t.health === 'up');
      return allUp ? activeTargets : undefined;
    });
    expect(targets.map((t) => t.labels.job).sort()).toEqual(expected.sort());
  });

  it('runs a ready receiver', async () => {
    expect((await fetch(`${stack?.urls['alert-webhook']}/readyz`)).status).toBe(200);
  });

  it("scrapes the demo's metrics and the health-check exporter's verdict on it", async () => {
    const query = async (promql: string) => {
      const { result } = (await get(`/api/v1/query?query=${encodeURIComponent(promql)}`)).data as {
        result: { value: [number, string] }[];
      };
      return result.length > 0 ? result.map((r) => r.value[1]) : undefined;
    };
    // The health-check exporter's requests to /healthz are what the demo counts here.
    expect(
      await eventually('the demo scraped', () =>
        query('http_requests_total{job="demo",route="/healthz"} > 0'),
      ),
    ).toHaveLength(1);
    expect(
      await eventually('a probe result', () => query('probe_success{job="health-check",service="demo"}')),
    ).toEqual(['1']);
  });

  it("keeps the demo's exemplars: a sampled request's trace id comes back from query_exemplars", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const url = `${stack?.urls.demo}/healthz`;
    await fetch(url, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    const end = () => Math.ceil(Date.now() / 1000) + 1;
    const start = Math.floor(Date.now() / 1000) - 60;
    const exemplars = await eventually('the trace id as an exemplar in Prometheus', async () => {
      const query = encodeURIComponent('http_request_duration_seconds_bucket{job="demo"}');
      const { data } = (await get(`/api/v1/query_exemplars?query=${query}&start=${start}&end=${end()}`)) as {
        data: { exemplars: { labels: Record<string, string> }[] }[];
      };
      const found = data.flatMap((series) => series.exemplars).filter((e) => e.labels.trace_id === traceId);
      return found.length > 0 ? found : undefined;
    });
    expect(exemplars[0]?.labels).toEqual({ trace_id: traceId });
  });

  it('catches mail in the data directory', async () => {
    const port = Number(new URL(stack?.urls.smtp ?? '').port);
    await createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }).sendMail({
      from: 'vigil@example.test',
      to: 'oncall@example.test',
      subject: 'stack mail',
      text: 'hello',
    });
    const [file] = readdirSync(stack?.mailDir ?? '');
    expect(readFileSync(join(stack?.mailDir ?? '', file as string), 'utf8')).toMatch(/Subject: stack mail/);
  });

  it('says which component died, and where its log is, when one ends on its own', async () => {
    const [demo] = (stack as Stack).pids;
    process.kill(demo as number, 'SIGKILL');
    expect(await (stack as Stack).died).toMatch(/^demo exited \(SIGKILL\); see .*demo\.log$/);
  });

  it('stops every child process', async () => {
    const { pids } = stack as Stack;
    expect(pids.length).toBeGreaterThanOrEqual(7);
    await stack?.stop();
    stack = undefined;
    expect(pids.filter(isAlive)).toEqual([]);
  });
});

describe('a temporary stack whose port was taken meanwhile', () => {
  it("is told from other failures by its logs, in Node's words and Go's", () => {
    const { dir, cleanup } = tempDir('vigil-stack-test-');
    try {
      expect(portTaken(dir)).toBe(false); // failed before any component logged
      mkdirSync(join(dir, 'logs'));
      writeFileSync(join(dir, 'logs', 'anomaly.log'), '{"level":50,"msg":"invalid config"}\n');
      expect(portTaken(dir)).toBe(false);
      writeFileSync(
        join(dir, 'logs', 'prometheus.log'),
        'err="listen tcp 127.0.0.1:40213: bind: address already in use"\n',
      );
      expect(portTaken(dir)).toBe(true);
      writeFileSync(join(dir, 'logs', 'prometheus.log'), '');
      writeFileSync(join(dir, 'logs', 'logs.log'), '{"err":{"code":"EADDRINUSE"}}\n');
      expect(portTaken(dir)).toBe(true);
    } finally {
      cleanup();
    }
  });
});
