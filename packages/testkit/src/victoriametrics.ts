import { join } from 'node:path';
import { victoriaMetricsBinary } from './binaries';
import { tempDir } from './files';
import { freePort } from './ports';
import { startProcess, type RunningProcess } from './process';
import type { Sample } from './prometheus';

export interface VictoriaMetricsOptions {
  /** Where its data goes; default a fresh temporary directory, removed once it is gone. */
  storagePath?: string;
  /** Default: a free port. */
  port?: number;
  /** -retentionPeriod, e.g. 2y; default VictoriaMetrics's (1 month). */
  retention?: string;
  /** -dedup.minScrapeInterval: one sample per series per interval (the long-term resolution). */
  dedupInterval?: string;
  /**
   * -search.latencyOffset: how old a sample must be before queries see it (30s by default, which makes a
   * test wait); tests pass 0s.
   */
  latencyOffset?: string;
  /** Append its output to this file rather than collect it. */
  logFile?: string;
  args?: string[];
}

export interface VictoriaMetrics extends RunningProcess {
  url: string;
  port: number;
  /** Where Prometheus remote-writes to it. */
  writeUrl: string;
  /** An instant query's result (its Prometheus-compatible API); throws for an error answer. */
  query(expr: string): Promise<Sample[]>;
}

/** Debian's single-node VictoriaMetrics on loopback, resolving once /health answers. */
export async function startVictoriaMetrics(options: VictoriaMetricsOptions = {}): Promise<VictoriaMetrics> {
  const binary = victoriaMetricsBinary();
  const owned = options.storagePath === undefined ? tempDir('vigil-victoriametrics-') : undefined;
  try {
    const port = options.port ?? (await freePort());
    const url = `http://127.0.0.1:${port}`;
    const flag = (name: string, value: string | undefined) =>
      value === undefined ? [] : [`-${name}=${value}`];
    const server = await startProcess(
      binary,
      [
        `-httpListenAddr=127.0.0.1:${port}`,
        `-storageDataPath=${options.storagePath ?? join(owned?.dir ?? '', 'data')}`,
        ...flag('retentionPeriod', options.retention),
        ...flag('dedup.minScrapeInterval', options.dedupInterval),
        ...flag('search.latencyOffset', options.latencyOffset),
        ...(options.args ?? []),
      ],
      {
        name: 'victoria-metrics',
        output: options.logFile ? { file: options.logFile } : 'collect',
        cleanup: owned?.cleanup,
        ready: `${url}/health`,
      },
    );
    return Object.assign(server, {
      url,
      port,
      writeUrl: `${url}/api/v1/write`,
      async query(expr: string) {
        const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
        const body = (await response.json()) as { status: string; data?: { result: Sample[] } };
        if (body.status !== 'success' || !body.data) throw new Error(`${expr}: ${JSON.stringify(body)}`);
        return body.data.result;
      },
    });
  } catch (err) {
    owned?.cleanup();
    throw err;
  }
}
