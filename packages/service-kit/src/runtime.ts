import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Who a service is: its name in messages, the prefix of its own metrics, and its version. */
export interface ServiceIdentity {
  name: string;
  /** `vigil` gives `vigil_build_info`, `vigil_config_last_reload_successful`, … */
  metricPrefix: string;
  version: string;
}

/** The version in the nearest package.json above `dir` (a service's `__dirname`, in src/ or dist/src/). */
export function packageVersion(dir: string): string {
  for (let at = dir; ; at = dirname(at)) {
    const file = join(at, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    if (dirname(at) === at) return 'unknown';
  }
}

let cachedRevision: string | undefined;

/** The commit the service runs from: VIGIL_REVISION (set by image builds), else git's, else "unknown". */
export function revision(): string {
  if (cachedRevision !== undefined) return cachedRevision;
  cachedRevision = process.env.VIGIL_REVISION;
  if (!cachedRevision) {
    try {
      cachedRevision = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
        cwd: __dirname,
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 2000,
      })
        .toString()
        .trim();
    } catch {
      cachedRevision = 'unknown';
    }
  }
  return cachedRevision;
}

export function versionLine(id: ServiceIdentity): string {
  return `${id.name}, version ${id.version} (revision: ${revision()}), node ${process.version}`;
}

/**
 * What a running service exposes about itself, as blackbox_exporter does: process and Node.js metrics,
 * `<prefix>_build_info`, and whether the last configuration reload worked. `reload` is installed by the
 * service runner; `/-/reload` calls it.
 */
export class Runtime {
  readonly registry = new Registry();
  reload?: () => Promise<void>;
  private readonly reloadOk: Gauge;
  private readonly reloadTime: Gauge;

  constructor(readonly id: ServiceIdentity) {
    collectDefaultMetrics({ register: this.registry });
    // `promtool check metrics` refuses a gauge named *_total; nodejs_active_{handles,requests,resources}
    // (by type) carry the same counts, so the page passes it whole.
    for (const what of ['handles', 'requests', 'resources'])
      this.registry.removeSingleMetric(`nodejs_active_${what}_total`);
    new Gauge({
      name: `${id.metricPrefix}_build_info`,
      help: `A metric with a constant '1' value labeled by version, revision and nodejs version from which ${id.name} was built.`,
      labelNames: ['version', 'revision', 'nodejs'],
      registers: [this.registry],
    }).set({ version: id.version, revision: revision(), nodejs: process.version }, 1);
    this.reloadOk = new Gauge({
      name: `${id.metricPrefix}_config_last_reload_successful`,
      help: 'Whether the last configuration reload attempt was successful (1) or kept the old configuration (0).',
      registers: [this.registry],
    });
    this.reloadTime = new Gauge({
      name: `${id.metricPrefix}_config_last_reload_success_timestamp_seconds`,
      help: 'Timestamp of the last successful configuration load or reload.',
      registers: [this.registry],
    });
    this.recordReload(true);
  }

  recordReload(ok: boolean, now = Date.now()): void {
    this.reloadOk.set(ok ? 1 : 0);
    if (ok) this.reloadTime.set(now / 1000);
  }
}
