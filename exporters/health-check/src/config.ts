import {
  ConfigError,
  formatDuration,
  formatPath,
  loadConfigFile,
  logLevelSchema,
  nameSchema,
  timerDuration,
  serverSchema,
  validateConfig,
  httpUrl,
  type ConfigProblem,
} from '@vigil/service-kit';
import { z } from 'zod';
import { parseAllowEntry, type AllowEntry } from './allowlist';
import { blackboxModuleSchema, blackboxPath, translateModule, unsupportedBlackboxKeys } from './blackbox';
import { CHECK_KINDS } from './checks';
import { dependencyOrder } from './graph';

const kinds = [...CHECK_KINDS.values()];

/** discriminatedUnion wants a non-empty tuple; CHECK_KINDS is never empty. */
function variants<T>(list: T[]): [T, ...T[]] {
  return list as [T, ...T[]];
}

const checkSchema = z.discriminatedUnion(
  'kind',
  variants(
    kinds.map((k) =>
      z.strictObject({
        kind: z.literal(k.kind),
        name: nameSchema,
        interval: timerDuration.optional(),
        timeout: timerDuration.optional(),
        // A failing non-critical check makes its service degraded rather than down.
        critical: z.boolean().default(true),
        ...k.settings.shape,
        ...k.target.shape,
      }),
    ),
  ),
);

const moduleSchema = z.discriminatedUnion(
  'kind',
  variants(
    kinds.map((k) =>
      z.strictObject({
        kind: z.literal(k.kind),
        timeout: timerDuration.optional(),
        ...k.settings.shape,
        ...k.moduleSettings?.shape,
      }),
    ),
  ),
);

/** Prometheus's file_sd_configs entry. */
const fileSdSchema = z.strictObject({
  files: z.array(z.string().min(1)).min(1),
  refresh_interval: timerDuration.default(300_000),
});

/** Prometheus's http_sd_configs entry (no auth: the endpoint is asked plainly). */
const httpSdSchema = z.strictObject({
  url: httpUrl,
  refresh_interval: timerDuration.default(60_000),
});

const discoverySchema = z.strictObject({
  module: nameSchema,
  service_label: z.string().min(1).default('service'),
  interval: timerDuration.optional(),
  critical: z.boolean().default(true),
  allow_probe: z.boolean().default(true),
  file_sd_configs: z.array(fileSdSchema).default([]),
  http_sd_configs: z.array(httpSdSchema).default([]),
});

const serviceSchema = z.strictObject({
  description: z.string().optional(),
  depends_on: z
    .array(z.string())
    .superRefine((names, ctx) => {
      // Each dependency once: a repeat would be a duplicate series of healthcheck_dependency_info.
      names.forEach((name, i) => {
        if (names.indexOf(name) !== i)
          ctx.addIssue({ code: 'custom', path: [i], message: `"${name}" is listed already` });
      });
    })
    .default([]),
  checks: z.array(checkSchema).default([]),
});

export const configSchema = z
  .strictObject({
    server: serverSchema(9470).prefault({}),
    log_level: logLevelSchema,
    defaults: z
      .strictObject({ interval: timerDuration.default(30_000), timeout: timerDuration.default(5_000) })
      .prefault({}),
    // Bounds sockets and CPU however many checks fall due at once; ad-hoc /probe requests share it.
    max_concurrent_checks: z.number().int().positive().default(16),
    services: z.record(nameSchema, serviceSchema).default({}),
    // Checks (and /probe targets) from Prometheus's file_sd and http_sd target lists, by source name.
    discovery: z.record(nameSchema, discoverySchema).default({}),
    probe: z
      .strictObject({
        allowed_targets: z.array(z.string()).default([]),
        modules: z.record(nameSchema, moduleSchema).default({}),
        // Modules in blackbox_exporter's shape (prober: http|tcp|dns), as a blackbox.yml writes them.
        blackbox_modules: z.record(nameSchema, blackboxModuleSchema).default({}),
      })
      .prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    for (const [service, svc] of Object.entries(cfg.services)) {
      svc.depends_on.forEach((dep, i) => {
        if (!(dep in cfg.services)) issue(['services', service, 'depends_on', i], `unknown service "${dep}"`);
        if (dep === service)
          issue(['services', service, 'depends_on', i], 'a service cannot depend on itself');
      });
      const seen = new Set<string>();
      svc.checks.forEach((check, i) => {
        const c = check as { name: string; interval?: number; timeout?: number };
        const at = (key: string) => ['services', service, 'checks', i, key];
        if (seen.has(c.name)) issue(at('name'), `duplicate check name "${c.name}"`);
        seen.add(c.name);
        const interval = c.interval ?? cfg.defaults.interval;
        // Named where it is set: the check's own timeout, or its interval below the default timeout it
        // takes (defaults above defaults are reported once, below).
        if (c.timeout !== undefined && c.timeout > interval)
          issue(at('timeout'), `must not exceed the interval (${formatDuration(interval)})`);
        else if (c.timeout === undefined && c.interval !== undefined && cfg.defaults.timeout > c.interval)
          issue(
            at('interval'),
            `is shorter than defaults.timeout (${formatDuration(cfg.defaults.timeout)}), which this check takes: give it a timeout of its own`,
          );
      });
    }
    // Once, for the checks that set neither (a probe module's timeout has no interval to stay within).
    const onDefaults = Object.values(cfg.services)
      .flatMap((svc) => svc.checks as { interval?: number; timeout?: number }[])
      .some((c) => c.interval === undefined && c.timeout === undefined);
    if (onDefaults && cfg.defaults.timeout > cfg.defaults.interval)
      issue(
        ['defaults', 'timeout'],
        `${formatDuration(cfg.defaults.timeout)} must not exceed defaults.interval (${formatDuration(cfg.defaults.interval)}), which the checks that set neither take`,
      );
    const graph = new Map(Object.entries(cfg.services).map(([s, svc]) => [s, svc.depends_on]));
    for (const cycle of dependencyOrder(graph).cycles)
      issue(['services', cycle[0] as string, 'depends_on'], `dependency cycle: ${cycle.join(' -> ')}`);
    for (const moduleName of Object.keys(cfg.probe.blackbox_modules)) {
      if (moduleName in cfg.probe.modules)
        issue(['probe', 'blackbox_modules', moduleName], `module "${moduleName}" is also in probe.modules`);
    }
    for (const [source, d] of Object.entries(cfg.discovery)) {
      if (!(d.module in cfg.probe.modules) && !(d.module in cfg.probe.blackbox_modules))
        issue(
          ['discovery', source, 'module'],
          `unknown module "${d.module}" (not in probe.modules or probe.blackbox_modules)`,
        );
      if (d.file_sd_configs.length + d.http_sd_configs.length === 0)
        issue(['discovery', source], 'needs file_sd_configs or http_sd_configs');
    }
    cfg.probe.allowed_targets.forEach((entry, i) => {
      try {
        parseAllowEntry(entry);
      } catch (err) {
        issue(['probe', 'allowed_targets', i], (err as Error).message);
      }
    });
  });

export interface CheckConfig {
  service: string;
  name: string;
  kind: string;
  critical: boolean;
  intervalMs: number;
  timeoutMs: number;
  /** The kind's settings and target fields, as validated by its schemas. */
  spec: Record<string, unknown>;
}

export interface ServiceConfig {
  name: string;
  description?: string;
  dependsOn: string[];
  checks: CheckConfig[];
}

export interface ProbeModule {
  kind: string;
  timeoutMs: number;
  settings: Record<string, unknown>;
  /** The module as configured (either shape), for /probe?debug=true. */
  source: unknown;
}

export interface DiscoverySource {
  name: string;
  module: string;
  serviceLabel: string;
  intervalMs: number;
  critical: boolean;
  allowProbe: boolean;
  fileSd: { files: string[]; refreshMs: number }[];
  httpSd: { url: string; refreshMs: number }[];
}

export interface Config {
  server: { listen_address: string; port: number };
  log_level: string;
  maxConcurrentChecks: number;
  /** Every dependency comes before its dependents. */
  services: ServiceConfig[];
  probe: { allowedTargets: AllowEntry[]; modules: Map<string, ProbeModule> };
  discovery: DiscoverySource[];
}

export { ConfigError };

/** Validates a parsed YAML document as a whole; throws ConfigError naming the key path of each problem. */
export function parseConfig(doc: unknown): Config {
  // blackbox_exporter keys the kinds cannot honour are refused with the reason, not as unknown fields.
  const refused = unsupportedBlackboxKeys(
    (doc as { probe?: { blackbox_modules?: unknown } } | undefined)?.probe?.blackbox_modules,
    ['probe', 'blackbox_modules'],
  );
  let raw: z.output<typeof configSchema>;
  try {
    raw = validateConfig(configSchema, doc);
  } catch (err) {
    if (!(err instanceof ConfigError) || refused.length === 0) throw err;
    const at = new Set(refused.map((p) => formatPath(p.path)));
    throw new ConfigError([...refused, ...err.problems.filter((p) => !at.has(formatPath(p.path)))]);
  }
  if (refused.length > 0) throw new ConfigError(refused);
  const graph = new Map(Object.entries(raw.services).map(([s, svc]) => [s, svc.depends_on]));
  const sorted = dependencyOrder(graph);
  const services = sorted.order.map((service): ServiceConfig => {
    const svc = raw.services[service] as z.output<typeof serviceSchema>;
    return {
      name: service,
      description: svc.description,
      dependsOn: svc.depends_on,
      checks: svc.checks.map((check) => {
        const { kind, name, interval, timeout, critical, ...spec } = check as Record<string, unknown> & {
          kind: string;
          name: string;
          interval?: number;
          timeout?: number;
          critical: boolean;
        };
        return {
          service,
          name,
          kind,
          critical,
          intervalMs: interval ?? raw.defaults.interval,
          timeoutMs: timeout ?? raw.defaults.timeout,
          spec,
        };
      }),
    };
  });
  const modules = new Map<string, ProbeModule>(
    Object.entries(raw.probe.modules).map(([moduleName, m]) => {
      const { kind, timeout, ...settings } = m as Record<string, unknown> & {
        kind: string;
        timeout?: number;
      };
      return [moduleName, { kind, timeoutMs: timeout ?? raw.defaults.timeout, settings, source: m }];
    }),
  );
  // Every module's problems at once, each at the blackbox key it comes from.
  const translationProblems: ConfigProblem[] = [];
  for (const [moduleName, m] of Object.entries(raw.probe.blackbox_modules)) {
    const path = ['probe', 'blackbox_modules', moduleName];
    const translated = translateModule(m);
    const kind = CHECK_KINDS.get(translated.kind) as (typeof kinds)[number];
    const schema = kind.moduleSettings ? kind.settings.extend(kind.moduleSettings.shape) : kind.settings;
    const settings = schema.safeParse(translated.settings);
    if (!settings.success) {
      for (const i of settings.error.issues)
        translationProblems.push({ path: [...path, ...blackboxPath(m, i.path)], message: i.message });
      continue;
    }
    modules.set(moduleName, {
      kind: translated.kind,
      timeoutMs: translated.timeoutMs ?? raw.defaults.timeout,
      settings: settings.data as Record<string, unknown>,
      source: m,
    });
  }
  if (translationProblems.length > 0) throw new ConfigError(translationProblems);
  return {
    server: raw.server,
    log_level: raw.log_level,
    maxConcurrentChecks: raw.max_concurrent_checks,
    services,
    probe: { allowedTargets: raw.probe.allowed_targets.map(parseAllowEntry), modules },
    discovery: Object.entries(raw.discovery).map(([source, d]) => ({
      name: source,
      module: d.module,
      serviceLabel: d.service_label,
      intervalMs: d.interval ?? raw.defaults.interval,
      critical: d.critical,
      allowProbe: d.allow_probe,
      fileSd: d.file_sd_configs.map((f) => ({ files: f.files, refreshMs: f.refresh_interval })),
      httpSd: d.http_sd_configs.map((h) => ({ url: h.url, refreshMs: h.refresh_interval })),
    })),
  };
}

/** Reads and validates a config file; every problem is named with file:line:col and its key path. */
export function loadConfig(path: string): Config {
  return loadConfigFile(path, parseConfig);
}
