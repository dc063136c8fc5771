import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';

const PACKAGE_DIR = join(__dirname, '..');

/** The receiver runs from its compiled output, as `npm start` does; build it if it is stale. */
export function buildReceiver(): void {
  execFileSync(join(PACKAGE_DIR, '..', 'node_modules', '.bin', 'tsc'), ['-b', PACKAGE_DIR], {
    stdio: 'inherit',
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface RunningProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

function track(child: ChildProcess) {
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    output: () => output,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Starts the receiver (dist/src/main.js) on a free loopback port with the given config document. */
export async function startReceiver(
  dir: string,
  doc: Record<string, unknown>,
  env: NodeJS.ProcessEnv = {},
): Promise<RunningProcess> {
  const port = await freePort();
  const configPath = join(dir, 'alert-webhook.yml');
  writeFileSync(
    configPath,
    yaml.dump({
      storage: { sqlite: { path: join(dir, 'vigil.db') } },
      ...doc,
      server: { listen_address: '127.0.0.1', port },
    }),
  );
  const child = spawn(
    process.execPath,
    [join(PACKAGE_DIR, 'dist', 'src', 'main.js'), '--config', configPath],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const tracked = track(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('the receiver to listen', async () => {
    if (child.exitCode !== null) throw new Error(`receiver exited: ${tracked.output()}`);
    return (await fetch(`${url}/readyz`)).ok || undefined;
  }).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${tracked.output()}`);
  });
  return { url, child, ...tracked };
}

function alertmanagerBinary(): string {
  for (const name of ['alertmanager', 'prometheus-alertmanager']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`])
        .toString()
        .trim();
    } catch {
      // try the next name
    }
  }
  throw new Error('Alertmanager not found: run scripts/install-prometheus-stack.sh');
}

/**
 * Starts a real Alertmanager on loopback with the given configuration document; clustering off unless
 * `cluster` gives its gossip port and peers (with short gossip timings, for tests).
 */
export async function startAlertmanager(
  dir: string,
  config: Record<string, unknown>,
  cluster?: { port: number; peers: number[] },
): Promise<RunningProcess> {
  const port = await freePort();
  const clustering = cluster
    ? [
        `--cluster.listen-address=127.0.0.1:${cluster.port}`,
        `--cluster.advertise-address=127.0.0.1:${cluster.port}`,
        ...cluster.peers.map((p) => `--cluster.peer=127.0.0.1:${p}`),
        '--cluster.peer-timeout=1s',
        '--cluster.gossip-interval=50ms',
        '--cluster.pushpull-interval=1s',
        '--cluster.settle-timeout=2s',
        '--cluster.probe-interval=200ms',
        '--cluster.reconnect-interval=1s',
      ]
    : ['--cluster.listen-address='];
  const configPath = join(dir, 'alertmanager.yml');
  writeFileSync(configPath, yaml.dump(config));
  const child = spawn(
    alertmanagerBinary(),
    [
      `--config.file=${configPath}`,
      `--storage.path=${join(dir, 'am-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...clustering,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const tracked = track(child);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('Alertmanager to be ready', async () => (await fetch(`${url}/-/ready`)).ok || undefined);
  return { url, child, ...tracked };
}

/** Pushes alerts through Alertmanager's v2 API, as Prometheus does. */
export async function pushAlerts(
  alertmanagerUrl: string,
  alerts: {
    labels: Record<string, string>;
    annotations?: Record<string, string>;
    startsAt?: string;
    endsAt?: string;
  }[],
): Promise<void> {
  const res = await fetch(`${alertmanagerUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(alerts),
  });
  if (!res.ok) throw new Error(`Alertmanager refused alerts: ${res.status} ${await res.text()}`);
}
