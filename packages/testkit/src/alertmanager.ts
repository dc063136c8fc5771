import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { alertmanagerBinary } from './binaries';
import { tempDir } from './files';
import { freePort } from './ports';
import { startProcess, type RunningProcess } from './process';

export interface AlertmanagerOptions {
  /** Its configuration: a document (written as <dir>/alertmanager.yml) or the path of a file. */
  config: Record<string, unknown> | string;
  /**
   * Where the written config and its data go; default a fresh temporary directory, removed once
   * Alertmanager is gone.
   */
  dir?: string;
  /** Its silences and notification log; default <dir>/alertmanager-data. */
  storagePath?: string;
  /** Default: a free port. */
  port?: number;
  /**
   * Clustering (off by default): its gossip port and its peers' gossip ports, on loopback, with short
   * gossip timings so that a test's cluster settles in seconds.
   */
  cluster?: { port: number; peers: number[] };
  /** Default warn. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Append its output to this file rather than collect it. */
  logFile?: string;
  readyTimeoutMs?: number;
}

export interface Alertmanager extends RunningProcess {
  url: string;
  port: number;
}

/** Debian's Alertmanager on loopback, resolving once it is ready (/-/ready). */
export async function startAlertmanager(options: AlertmanagerOptions): Promise<Alertmanager> {
  const binary = alertmanagerBinary();
  const { config, cluster } = options;
  const needsDir = typeof config !== 'string' || options.storagePath === undefined;
  const owned = options.dir === undefined && needsDir ? tempDir('vigil-alertmanager-') : undefined;
  const dir = options.dir ?? owned?.dir ?? '';
  try {
    let configFile = config as string;
    if (typeof config !== 'string') {
      configFile = join(dir, 'alertmanager.yml');
      writeFileSync(configFile, yaml.dump(config));
    }
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
      : ['--cluster.listen-address=']; // a single instance: no gossip port on every interface
    const port = options.port ?? (await freePort());
    const url = `http://127.0.0.1:${port}`;
    const server = await startProcess(
      binary,
      [
        `--config.file=${configFile}`,
        `--storage.path=${options.storagePath ?? join(dir, 'alertmanager-data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // Links in notifications (externalURL) lead here, not to the machine's hostname it does not listen on.
        `--web.external-url=${url}`,
        ...clustering,
        `--log.level=${options.logLevel ?? 'warn'}`,
      ],
      {
        name: 'alertmanager',
        output: options.logFile ? { file: options.logFile } : 'collect',
        cleanup: owned?.cleanup,
        ready: `${url}/-/ready`,
        readyTimeoutMs: options.readyTimeoutMs,
      },
    );
    return Object.assign(server, { url, port });
  } catch (err) {
    owned?.cleanup();
    throw err;
  }
}

export interface PostableAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

/** Pushes alerts through Alertmanager's v2 API, as Prometheus does. */
export async function pushAlerts(alertmanagerUrl: string, alerts: PostableAlert[]): Promise<void> {
  const res = await fetch(`${alertmanagerUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(alerts),
  });
  if (!res.ok) throw new Error(`Alertmanager refused alerts: ${res.status} ${await res.text()}`);
}
