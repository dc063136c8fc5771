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

export interface ExporterSettings {
  repoRoot: string;
  ports: Record<ExporterKind | 'demo', number>;
  logFile: (name: ExporterKind) => string;
  /** nginx's access log (combined format), which the stack's log exporter reads for the security pack. */
  accessLog: string;
  /** Called with each server as it starts (the stack stops it), and what to tell of it. */
  server: (process: RunningProcess, note?: string) => void;
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
  const watched = async <T extends RunningProcess>(server: Promise<T>, note?: (started: T) => string) => {
    const started = await server;
    s.server(started, note?.(started));
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
    // Bounded, as a cache is: the memory-of-maxmemory panels and RedisMemoryNearMax need maxmemory.
    const cache = await watched(startRedis({ maxmemory: '64mb' }));
    s.exporter('redis', await startExporter('redis', { url: cache.url }, options('redis')));
  }
  if (!missing('nginx', 'nginx')) {
    // On a free port of its own: the stack's ports are the components'. Printed, as its traffic (and so
    // the Security dashboard's HTTP panels) comes through it.
    const lb = await watched(
      startNginx(`127.0.0.1:${s.ports.demo}`, { accessLog: s.accessLog }),
      (started) => `demo load balancer (nginx) ready at ${started.url}, in front of the demo`,
    );
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
