import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { prometheusBinary } from './binaries';
import { tempDir } from './files';
import { freePort } from './ports';
import { startProcess, type RunningProcess } from './process';

export interface PrometheusOptions {
  /** Its configuration: a document (written as <dir>/prometheus.yml) or the path of a file. */
  config: Record<string, unknown> | string;
  /** Rule files to load besides the document's rule_files (with a document only). */
  ruleFiles?: string[];
  /**
   * Where the written config and the TSDB go; default a fresh temporary directory, removed once Prometheus
   * is gone.
   */
  dir?: string;
  /** The TSDB, e.g. one with blocks backfilled by promtool; default <dir>/prometheus-data. */
  storagePath?: string;
  /** Default: a free port. */
  port?: number;
  /** --web.enable-lifecycle, so that reload() (POST /-/reload) works. */
  lifecycle?: boolean;
  /** Append its output to this file rather than collect it. */
  logFile?: string;
  /** More command-line flags. */
  args?: string[];
  readyTimeoutMs?: number;
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface Prometheus extends RunningProcess {
  url: string;
  port: number;
  /** An instant query's result; throws for an error answer. */
  query(expr: string): Promise<Sample[]>;
  /** Has it read its configuration and rule files again (needs `lifecycle`). */
  reload(): Promise<void>;
}

/** Debian's Prometheus on loopback, resolving once it is ready (/-/ready). */
export async function startPrometheus(options: PrometheusOptions): Promise<Prometheus> {
  const binary = prometheusBinary();
  const { config } = options;
  const needsDir = typeof config !== 'string' || options.storagePath === undefined;
  const owned = options.dir === undefined && needsDir ? tempDir('vigil-prometheus-') : undefined;
  const dir = options.dir ?? owned?.dir ?? '';
  try {
    let configFile: string;
    if (typeof config === 'string') {
      if (options.ruleFiles) throw new Error('startPrometheus: ruleFiles need the config as a document');
      configFile = config;
    } else {
      const ruleFiles = [
        ...((config.rule_files as string[] | undefined) ?? []),
        ...(options.ruleFiles ?? []),
      ];
      configFile = join(dir, 'prometheus.yml');
      writeFileSync(configFile, yaml.dump(ruleFiles.length ? { ...config, rule_files: ruleFiles } : config));
    }
    const port = options.port ?? (await freePort());
    const url = `http://127.0.0.1:${port}`;
    const server = await startProcess(
      binary,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${options.storagePath ?? join(dir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        // Alerts' generatorURL leads here, not to the machine's hostname it does not listen on.
        `--web.external-url=${url}`,
        ...(options.lifecycle ? ['--web.enable-lifecycle'] : []),
        ...(options.args ?? []),
      ],
      {
        name: 'prometheus',
        output: options.logFile ? { file: options.logFile } : 'collect',
        cleanup: owned?.cleanup,
        ready: `${url}/-/ready`,
        readyTimeoutMs: options.readyTimeoutMs,
      },
    );
    return Object.assign(server, {
      url,
      port,
      async query(expr: string) {
        const response = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
        const body = (await response.json()) as { status: string; data?: { result: Sample[] } };
        if (body.status !== 'success' || !body.data) throw new Error(`${expr}: ${JSON.stringify(body)}`);
        return body.data.result;
      },
      async reload() {
        const response = await fetch(`${url}/-/reload`, { method: 'POST' });
        if (!response.ok) throw new Error(`prometheus reload: ${response.status} ${await response.text()}`);
      },
    });
  } catch (err) {
    owned?.cleanup();
    throw err;
  }
}
