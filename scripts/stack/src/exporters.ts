import { join } from 'node:path';
import {
  exporterBinary,
  findBinary,
  startExporter,
  startNginx,
  startPostgres,
  startRedis,
  type ExporterKind,
  type RunningProcess,
} from '@vigil/testkit';

/**
 * The demo's Redis is bounded, as a cache is: the memory-of-maxmemory panels and RedisMemoryNearMax need
 * maxmemory (docker-compose.yml's redis says the same).
 */
export const DEMO_CACHE_MAXMEMORY = '64mb';

export interface ExporterSettings {
  repoRoot: string;
  ports: Record<ExporterKind | 'demo', number>;
  logFile: (name: ExporterKind) => string;
  /** nginx's access log (combined format), which the stack's log exporter reads for the security pack. */
  accessLog: string;
  /** Called with each server as it starts: the stack stops it. */
  server: (process: RunningProcess) => void;
  /** Called with the demo's load balancer (nginx) once it answers: traffic sent there fills the HTTP panels. */
  loadBalancer: (url: string) => void;
  /** Called with each exporter once it answers. */
  exporter: (name: ExporterKind, process: RunningProcess) => void;
}

/**
 * The demo service's database (PostgreSQL), cache (Redis) and load balancer (nginx), each with its
 * standard exporter, and prometheus-process-exporter over the stack's processes: each only when its
 * exporter (and server) is installed. Resolves with notes on what was left out.
 */
export async function startStandardExporters(s: ExporterSettings): Promise<string[]> {
  const notes: string[] = [];
  const options = (name: ExporterKind) => ({ port: s.ports[name], logFile: s.logFile(name) });
  const watched = async <T extends RunningProcess>(server: Promise<T>) => {
    const started = await server;
    s.server(started);
    return started;
  };
  const missing = (kind: ExporterKind, extra?: string) => {
    const absent = !exporterBinary(kind) || (extra !== undefined && !findBinary([extra], SBIN_PATH()));
    if (absent)
      notes.push(`${kind} exporter: not installed (scripts/install-prometheus-stack.sh installs it)`);
    return absent;
  };

  if (!missing('postgres')) {
    const db = await watched(startPostgres());
    const queries = join(s.repoRoot, 'provisioning/exporters/postgres-queries.yml');
    const url = `${db.url}?sslmode=disable`;
    s.exporter('postgres', await startExporter('postgres', { url, queries }, options('postgres')));
  }
  if (!missing('redis')) {
    const cache = await watched(startRedis({ maxmemory: DEMO_CACHE_MAXMEMORY }));
    s.exporter('redis', await startExporter('redis', { url: cache.url }, options('redis')));
  }
  if (!missing('nginx', 'nginx')) {
    // On a free port of its own: the stack's ports are the components'.
    const lb = await watched(startNginx(`127.0.0.1:${s.ports.demo}`, { accessLog: s.accessLog }));
    s.loadBalancer(lb.url);
    s.exporter('nginx', await startExporter('nginx', { statusUrl: lb.statusUrl }, options('nginx')));
  }
  if (!missing('process')) {
    const config = join(s.repoRoot, 'provisioning/exporters/process-exporter.yml');
    s.exporter('process', await startExporter('process', { config }, options('process')));
  }
  return notes;
}

/** Debian puts nginx in /usr/sbin, which a user's PATH may lack. */
const SBIN_PATH = () => `${process.env.PATH ?? ''}:/usr/sbin`;
