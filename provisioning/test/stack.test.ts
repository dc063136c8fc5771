import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTransport } from 'nodemailer';
import { COMPONENTS, type Ports } from '../../scripts/stack/src/options';
import { findBinary } from '../../scripts/stack/src/processes';
import { startStack, type Stack } from '../../scripts/stack/src/stack';

/** A port nobody listens on right now (the OS picks it), so the test never collides with a real stack. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not true after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

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
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-stack-'));
    const ports: Partial<Ports> = {};
    const taken = new Set<number>();
    for (const c of COMPONENTS) {
      let port = await freePort();
      while (taken.has(port)) port = await freePort(); // the OS may hand out a just-closed port again
      taken.add(port);
      ports[c] = port;
    }
    stack = await startStack({ dataDir, ports, scrapeInterval: '1s', checkInterval: '1s' });
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

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
    const targets = await eventually(async () => {
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
      await eventually(() => query('http_requests_total{job="demo",route="/healthz"} > 0')),
    ).toHaveLength(1);
    expect(await eventually(() => query('probe_success{job="health-check",service="demo"}'))).toEqual(['1']);
  });

  it('catches mail in the data directory', async () => {
    const port = Number(new URL(stack?.urls.smtp ?? '').port);
    await createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }).sendMail({
      from: 'vigil@example.test',
      to: 'oncall@example.test',
      subject: 'stack mail',
      text: 'hello',
    });
    const [file] = readdirSync(join(dataDir, 'mail'));
    expect(readFileSync(join(dataDir, 'mail', file as string), 'utf8')).toMatch(/Subject: stack mail/);
  });

  it('stops every child process', async () => {
    const { pids } = stack as Stack;
    expect(pids.length).toBeGreaterThanOrEqual(7);
    await stack?.stop();
    stack = undefined;
    expect(pids.filter(isAlive)).toEqual([]);
  });
});
