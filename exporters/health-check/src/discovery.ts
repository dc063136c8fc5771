/**
 * Service discovery from Prometheus's own target lists: file_sd files (JSON or YAML, read again when they
 * change) and http_sd endpoints (asked every refresh_interval), so that one list feeds Prometheus and the
 * health-check. Each `discovery.<source>` turns every target of its groups into a check (the kind and
 * settings of a /probe module, the target as /probe would take it) in the service its `service_label`
 * names, and (with allow_probe) puts the target on /probe's allowlist. As Prometheus does, a file or
 * endpoint that cannot be read or parsed keeps its previous groups.
 */
import { readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import yaml from 'js-yaml';
import type { Logger } from 'pino';
import { z } from 'zod';
import { parseAllowEntry } from './allowlist';
import { CHECK_KINDS } from './checks';
import type { CheckKind } from './checks/kind';
import type { CheckConfig, Config, DiscoverySource, ServiceConfig } from './config';
import { Exporter } from './exporter';
import type { Clock } from './run';

/** Prometheus's target group: the file_sd and http_sd format. */
const targetGroups = z.array(
  z.object({
    targets: z.array(z.string()).default([]),
    labels: z.record(z.string(), z.string()).default({}),
  }),
);
export type TargetGroup = z.output<typeof targetGroups>[number];

const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** A file's target groups: JSON or YAML by its extension, as Prometheus reads them. */
export function readTargetFile(path: string): TargetGroup[] {
  const text = readFileSync(path, 'utf8');
  const doc = /\.ya?ml$/i.test(path) ? yaml.load(text) : (JSON.parse(text) as unknown);
  return targetGroups.parse(doc ?? []);
}

/** The files a pattern names now; as in Prometheus, only the last path element may have wildcards. */
export function expandPattern(pattern: string): string[] {
  const dir = dirname(pattern);
  const name = basename(pattern);
  if (!/[*?[]/.test(name)) return [pattern];
  const re = new RegExp(
    `^${name
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );
  try {
    return readdirSync(dir)
      .filter((f) => re.test(f))
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** The checks and allowlist entries a configuration gets from the discovered groups of its sources. */
export function withDiscovered(
  config: Config,
  groups: ReadonlyMap<string, TargetGroup[]>,
  log: Logger,
): Config {
  if (config.discovery.length === 0) return config;
  const services = new Map<string, ServiceConfig>(
    config.services.map((s) => [s.name, { ...s, checks: [...s.checks] }]),
  );
  const allowed = [...config.probe.allowedTargets];
  for (const source of config.discovery) {
    const module = config.probe.modules.get(source.module);
    if (!module) continue;
    const kind = CHECK_KINDS.get(module.kind) as CheckKind;
    for (const group of groups.get(source.name) ?? []) {
      for (const target of group.targets) {
        const service = group.labels[source.serviceLabel] ?? source.name;
        if (!SERVICE_NAME.test(service)) {
          log.warn({ source: source.name, target, service }, 'discovered target skipped: not a service name');
          continue;
        }
        let spec: Record<string, unknown>;
        let parsed;
        try {
          parsed = kind.parseTarget(target, module.settings);
          const fields = kind.target.parse(parsed.fields);
          spec = { ...module.settings, ...parsed.settings, ...fields };
        } catch (err) {
          log.warn({ source: source.name, target, err: (err as Error).message }, 'discovered target skipped');
          continue;
        }
        let svc = services.get(service);
        if (!svc) {
          svc = { name: service, dependsOn: [], checks: [] };
          services.set(service, svc);
        }
        // A configured check of the same name wins; a target listed twice is one check.
        if (svc.checks.some((c) => c.name === target)) continue;
        const check: CheckConfig = {
          service,
          name: target,
          kind: module.kind,
          critical: source.critical,
          intervalMs: source.intervalMs,
          timeoutMs: Math.min(module.timeoutMs, source.intervalMs),
          spec,
        };
        svc.checks.push(check);
        if (source.allowProbe) {
          const host =
            parsed.host.includes(':') && !parsed.host.startsWith('[') ? `[${parsed.host}]` : parsed.host;
          const entry = parseAllowEntry(parsed.port === undefined ? host : `${host}:${parsed.port}`);
          allowed.push({ ...entry, module: source.module });
        }
      }
    }
  }
  // Configured services keep their (dependency) order; discovered ones, which depend on nothing, follow.
  const order = [
    ...config.services.map((s) => s.name),
    ...[...services.keys()].filter((n) => !config.services.some((s) => s.name === n)),
  ];
  return {
    ...config,
    services: order.map((n) => services.get(n) as ServiceConfig),
    probe: { ...config.probe, allowedTargets: allowed },
  };
}

interface Running {
  key: string;
  stop(): void;
}

/**
 * Watches and polls every source of a configuration, keeping each file's and endpoint's latest groups;
 * `onChange` is called (debounced) when what a source yields changes.
 */
export class Discovery {
  /** Groups by source, then by file or URL. */
  private readonly found = new Map<string, Map<string, TargetGroup[]>>();
  private running: Running[] = [];
  private pending?: NodeJS.Timeout;
  /** While configure() reads the files itself: its caller takes the groups, no change is signalled. */
  private quiet = false;

  constructor(
    private readonly log: Logger,
    private readonly onChange: () => void,
  ) {}

  /** The groups of every source, by source name. */
  groups(): Map<string, TargetGroup[]> {
    return new Map([...this.found].map(([source, byOrigin]) => [source, [...byOrigin.values()].flat()]));
  }

  /**
   * Starts discovering a configuration's sources (after a reload: the new ones), reading files at once so
   * the first groups are there when this returns.
   */
  configure(sources: readonly DiscoverySource[]): void {
    this.stopAll();
    this.quiet = true;
    for (const name of [...this.found.keys()])
      if (!sources.some((s) => s.name === name)) this.found.delete(name);
    for (const source of sources) {
      const byOrigin = new Map<string, TargetGroup[]>();
      this.found.set(source.name, byOrigin);
      source.fileSd.forEach((sd) => this.watchFiles(source.name, byOrigin, sd.files, sd.refreshMs));
      source.httpSd.forEach((sd) => this.pollHttp(source.name, byOrigin, sd.url, sd.refreshMs));
    }
    this.quiet = false;
  }

  stop(): void {
    this.stopAll();
    if (this.pending) clearTimeout(this.pending);
  }

  private stopAll() {
    for (const r of this.running) r.stop();
    this.running = [];
  }

  private changed() {
    if (this.quiet || this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.onChange();
    }, 100);
  }

  private watchFiles(
    source: string,
    byOrigin: Map<string, TargetGroup[]>,
    patterns: string[],
    refreshMs: number,
  ) {
    const read = () => {
      const files = new Set(patterns.flatMap(expandPattern));
      let changed = false;
      for (const origin of [...byOrigin.keys()]) {
        if (origin.startsWith('file:') && !files.has(origin.slice(5)) && patterns.length > 0) {
          byOrigin.delete(origin);
          changed = true;
        }
      }
      for (const file of files) {
        let groups: TargetGroup[];
        try {
          groups = readTargetFile(file);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') {
            if (byOrigin.delete(`file:${file}`)) changed = true;
          } else {
            // Prometheus keeps the previous targets of a file it cannot read.
            this.log.error(
              { source, file, err: (err as Error).message },
              'file_sd: cannot read targets; keeping the previous ones',
            );
          }
          continue;
        }
        const before = byOrigin.get(`file:${file}`);
        if (JSON.stringify(before) !== JSON.stringify(groups)) {
          byOrigin.set(`file:${file}`, groups);
          changed = true;
        }
      }
      if (changed) this.changed();
    };
    read();
    const watchers: FSWatcher[] = [];
    for (const dir of new Set(patterns.map((p) => dirname(p)))) {
      try {
        watchers.push(watch(dir, { persistent: false }, () => read()));
      } catch (err) {
        this.log.warn(
          { source, dir, err: (err as Error).message },
          'file_sd: cannot watch; reading every refresh_interval',
        );
      }
    }
    const timer = setInterval(read, refreshMs);
    timer.unref();
    this.running.push({
      key: `${source}:file`,
      stop: () => (clearInterval(timer), watchers.forEach((w) => w.close())),
    });
  }

  private pollHttp(source: string, byOrigin: Map<string, TargetGroup[]>, url: string, refreshMs: number) {
    const controller = new AbortController();
    const poll = async () => {
      try {
        const res = await fetch(url, {
          signal: AbortSignal.any([controller.signal, AbortSignal.timeout(refreshMs)]),
        });
        if (res.status !== 200) throw new Error(`status ${res.status}`);
        const groups = targetGroups.parse(await res.json());
        if (JSON.stringify(byOrigin.get(`http:${url}`)) !== JSON.stringify(groups)) {
          byOrigin.set(`http:${url}`, groups);
          this.changed();
        }
      } catch (err) {
        if (controller.signal.aborted) return;
        this.log.error(
          { source, url, err: (err as Error).message },
          'http_sd: cannot get targets; keeping the previous ones',
        );
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), refreshMs);
    timer.unref();
    this.running.push({ key: `${source}:http`, stop: () => (clearInterval(timer), controller.abort()) });
  }
}

/**
 * An exporter whose checks follow its configuration and what that configuration's sources discover: a
 * change of either rebuilds the effective configuration and reloads the exporter with it (unchanged checks
 * keep their results and phase), one reload at a time. Files are read before the exporter is built, so its
 * first round of checks already has their targets.
 */
export class DiscoveringExporter {
  readonly exporter: Exporter;
  private base: Config;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly discovery: Discovery;

  constructor(
    config: Config,
    private readonly log: Logger,
    clock?: Clock,
  ) {
    this.base = config;
    this.discovery = new Discovery(log, () => void this.apply('targets discovered'));
    this.discovery.configure(config.discovery);
    this.exporter = new Exporter(withDiscovered(config, this.discovery.groups(), log), log, clock);
  }

  /** A new configuration (a reload): its sources are discovered from now on. */
  async reload(next: Config): Promise<void> {
    this.base = next;
    this.discovery.configure(next.discovery);
    await this.apply('checks replaced');
  }

  /** Stops discovering, then the checks. */
  async stop(): Promise<void> {
    this.discovery.stop();
    await this.chain;
    await this.exporter.stop();
  }

  private apply(why: string): Promise<void> {
    const run = this.chain.then(async () => {
      const effective = withDiscovered(this.base, this.discovery.groups(), this.log);
      this.log.info(await this.exporter.reload(effective), why);
    });
    this.chain = run.catch((err: unknown) => this.log.error({ err }, 'cannot apply discovered targets'));
    return run;
  }
}
