import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findBinary } from './binaries';
import { tempDir } from './files';
import { freePort, freePorts } from './ports';
import { startProcess, type RunningProcess } from './process';

/**
 * The standard exporters from Debian's packages (scripts/install-prometheus-stack.sh), and nginx, on
 * loopback. Each resolves once its /metrics answers.
 */
export const EXPORTER_BINARIES = {
  postgres: ['prometheus-postgres-exporter', 'postgres_exporter'],
  redis: ['prometheus-redis-exporter', 'redis_exporter'],
  process: ['prometheus-process-exporter', 'process-exporter'],
  nginx: ['prometheus-nginx-exporter', 'nginx-prometheus-exporter'],
} as const;
export type ExporterKind = keyof typeof EXPORTER_BINARIES;

/** The exporter's binary, or undefined when it is not installed. */
export const exporterBinary = (kind: ExporterKind) => findBinary([...EXPORTER_BINARIES[kind]]);

export interface Exporter extends RunningProcess {
  port: number;
  url: string;
  /** Its /metrics page, as text. */
  metrics(): Promise<string>;
}

export interface ExporterOptions {
  /** Default: a free port. */
  port?: number;
  logFile?: string;
}

/** What each exporter needs to know about what it watches. */
export interface ExporterTargets {
  /** A libpq URL; queries: an --extend.query-path file. */
  postgres: { url: string; queries?: string };
  /** redis://host:port */
  redis: { url: string };
  /** A -config.path file naming the process groups. */
  process: { config: string };
  /** nginx's stub_status URL. */
  nginx: { statusUrl: string };
}

function exporterArgs<K extends ExporterKind>(kind: K, target: ExporterTargets[K], listen: string) {
  switch (kind) {
    case 'postgres': {
      const t = target as ExporterTargets['postgres'];
      return [`--web.listen-address=${listen}`, ...(t.queries ? [`--extend.query-path=${t.queries}`] : [])];
    }
    case 'redis':
      return [`-web.listen-address=${listen}`, `-redis.addr=${(target as ExporterTargets['redis']).url}`];
    case 'process':
      return [
        `-web.listen-address=${listen}`,
        `-config.path=${(target as ExporterTargets['process']).config}`,
        // Without smaps: reading every process's smaps makes a scrape take seconds on a busy machine.
        '-gather-smaps=false',
      ];
    default:
      return [
        `-web.listen-address=${listen}`,
        `-nginx.scrape-uri=${(target as ExporterTargets['nginx']).statusUrl}`,
      ];
  }
}

export async function startExporter<K extends ExporterKind>(
  kind: K,
  target: ExporterTargets[K],
  options: ExporterOptions = {},
): Promise<Exporter> {
  const binary = exporterBinary(kind);
  if (!binary)
    throw new Error(
      `${kind} exporter not found (${EXPORTER_BINARIES[kind].join(' or ')} on PATH): run scripts/install-prometheus-stack.sh`,
    );
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const env =
    kind === 'postgres' ? { DATA_SOURCE_NAME: (target as ExporterTargets['postgres']).url } : undefined;
  const server = await startProcess(binary, exporterArgs(kind, target, `127.0.0.1:${port}`), {
    name: `${kind}-exporter`,
    env,
    output: options.logFile ? { file: options.logFile } : 'collect',
    // process-exporter reads all of /proc per scrape, which can outlast a readiness try: ask its page.
    ready: kind === 'process' ? `${url}/` : `${url}/metrics`,
  });
  return Object.assign(server, {
    port,
    url,
    metrics: () => fetch(`${url}/metrics`).then((r) => r.text()),
  });
}

export interface Nginx extends RunningProcess {
  /** The load balancer's URL, in front of the upstream. */
  url: string;
  port: number;
  /** stub_status, for the nginx exporter. */
  statusUrl: string;
}

/** Debian's nginx as a load balancer in front of `upstream` (host:port), with stub_status. */
export async function startNginx(
  upstream: string,
  options: {
    port?: number;
    statusPort?: number;
    dir?: string;
    logFile?: string;
    /** Write the proxied requests' access log here, in nginx's combined format; default none. */
    accessLog?: string;
  } = {},
): Promise<Nginx> {
  // Debian puts nginx in /usr/sbin, which a user's PATH may lack.
  const binary = findBinary(['nginx'], `${process.env.PATH ?? ''}:/usr/sbin`);
  if (!binary)
    throw new Error('nginx not found (on PATH or in /usr/sbin): run scripts/install-prometheus-stack.sh');
  const owned = options.dir === undefined ? tempDir('vigil-nginx-') : undefined;
  const dir = options.dir ?? owned?.dir ?? '';
  try {
    // Two distinct ports: the OS may hand out the same free port twice in a row.
    const free = await freePorts(2);
    const port = options.port ?? (free[0] as number);
    const statusPort = options.statusPort ?? (free.find((p) => p !== port) as number);
    const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
      (t) => `  ${t}_temp_path ${dir}/${t};`,
    );
    const config = join(dir, 'nginx.conf');
    writeFileSync(
      config,
      [
        'worker_processes 1;',
        `pid ${dir}/nginx.pid;`,
        'error_log stderr;',
        'daemon off;',
        'events { worker_connections 256; }',
        'http {',
        `  access_log ${options.accessLog ? `${options.accessLog} combined` : 'off'};`,
        ...temp,
        `  upstream upstream { server ${upstream}; }`,
        `  server { listen 127.0.0.1:${port}; location / { proxy_pass http://upstream; } }`,
        `  server { listen 127.0.0.1:${statusPort}; location = /stub_status { stub_status; } }`,
        '}',
        '',
      ].join('\n'),
    );
    const statusUrl = `http://127.0.0.1:${statusPort}/stub_status`;
    const server = await startProcess(binary, ['-p', dir, '-c', config], {
      name: 'nginx',
      output: options.logFile ? { file: options.logFile } : 'collect',
      cleanup: owned?.cleanup,
      stopSignal: 'SIGQUIT', // a graceful stop
      ready: statusUrl,
    });
    return Object.assign(server, { url: `http://127.0.0.1:${port}`, port, statusUrl });
  } catch (err) {
    owned?.cleanup();
    throw err;
  }
}
