import {
  loadConfigFile,
  logLevelSchema,
  nameSchema,
  timerDuration,
  regexSchema,
  serverSchema,
  validateConfig,
} from '@vigil/service-kit';
import { z } from 'zod';
import { INPUT_KINDS } from './inputs';
import { readStateFile } from './inputs/offsets';
import { PARSER_KINDS } from './parsers';
import { labelName, metricName } from './schema';

/** discriminatedUnion wants a non-empty tuple; the registries are never empty. */
function variants<T>(list: T[]): [T, ...T[]] {
  return list as [T, ...T[]];
}

const inputSchema = z.discriminatedUnion(
  'kind',
  variants(
    [...INPUT_KINDS.values()].map((k) => z.strictObject({ kind: z.literal(k.kind), ...k.settings.shape })),
  ),
);
const parserSchema = z.discriminatedUnion(
  'kind',
  variants(
    [...PARSER_KINDS.values()].map((k) => z.strictObject({ kind: z.literal(k.kind), ...k.settings.shape })),
  ),
);

/** Built-in metrics own these prefixes (process_ and nodejs_ are prom-client's); a declared metric may not shadow them. */
const RESERVED_PREFIXES = ['logexporter_', 'security_', 'process_', 'nodejs_'];

const metricSchema = z.strictObject({
  name: metricName.refine(
    (n) => !RESERVED_PREFIXES.some((p) => n.startsWith(p)),
    `the prefixes ${RESERVED_PREFIXES.join(', ')} are the exporter's own`,
  ),
  type: z.enum(['counter', 'gauge', 'histogram']),
  help: z.string().min(1),
  // Names of the sources whose lines feed the metric; empty means every source.
  sources: z.array(nameSchema).default([]),
  // Field name -> regex: a line counts only when every named field exists and matches.
  match: z.record(z.string(), regexSchema).default({}),
  // Label name -> the field its value comes from; a missing field gives an empty value.
  labels: z.record(labelName, z.string()).default({}),
  max_label_values: z.number().int().positive().default(100),
  // The field holding the number: added by counters (1 without), set by gauges, observed by histograms.
  value: z.string().optional(),
  // Multiplies the value, e.g. 0.001 for milliseconds -> seconds (base units).
  scale: z.number().positive().default(1),
  buckets: z.array(z.number()).min(1).optional(),
});

export const configSchema = z
  .strictObject({
    server: serverSchema(9471).prefault({}),
    log_level: logLevelSchema,
    // Where file offsets are kept across restarts; without it a restart starts per files.start_at.
    state_file: z
      .string()
      .min(1)
      .superRefine((path, ctx) => {
        try {
          readStateFile(path);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      })
      .optional(),
    files: z
      .strictObject({
        poll_interval: timerDuration.default(1000),
        // How long a rotated-away or deleted file is still read, for writers that have not reopened yet.
        rotate_wait: timerDuration.default(5000),
        // For a file present at the first start with no saved offset: read it all, or only what comes next.
        start_at: z.enum(['beginning', 'end']).default('end'),
      })
      .prefault({}),
    max_line_bytes: z.number().int().min(256).default(65536),
    sources: z.record(nameSchema, z.strictObject({ input: inputSchema, parser: parserSchema })).default({}),
    metrics: z.array(metricSchema).default([]),
    security: z
      .strictObject({
        enabled: z.boolean().default(false),
        // Sources the pack reads; empty means every source.
        sources: z.array(nameSchema).default([]),
        max_client_ips: z.number().int().positive().default(100),
        max_users: z.number().int().positive().default(50),
      })
      .prefault({}),
  })
  .superRefine((cfg, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const known = (list: string[], path: PropertyKey[]) =>
      list.forEach((s, i) => {
        if (!(s in cfg.sources)) issue([...path, i], `unknown source "${s}"`);
      });
    const stdin = Object.entries(cfg.sources).filter(([, s]) => s.input.kind === 'stdin');
    if (stdin.length > 1) issue(['sources', stdin[1]![0], 'input'], 'only one source can read stdin');
    const names = new Set<string>();
    // A histogram's series: a metric of one of these names would give /metrics two samples of one series.
    const histogramSeries = new Map(
      cfg.metrics
        .filter((m) => m.type === 'histogram')
        .flatMap((m) => ['_bucket', '_sum', '_count'].map((suffix) => [m.name + suffix, m.name] as const)),
    );
    cfg.metrics.forEach((m, i) => {
      const at = (...path: PropertyKey[]) => ['metrics', i, ...path];
      if (names.has(m.name)) issue(at('name'), `duplicate metric "${m.name}"`);
      names.add(m.name);
      const histogram = histogramSeries.get(m.name);
      if (histogram) issue(at('name'), `a series of the histogram "${histogram}" has this name`);
      known(m.sources, at('sources'));
      if (m.type === 'counter' && !m.name.endsWith('_total')) issue(at('name'), 'a counter ends in _total');
      if (m.type !== 'counter' && m.name.endsWith('_total')) issue(at('name'), 'only counters end in _total');
      if (m.type !== 'counter' && m.value === undefined)
        issue(at('value'), `a ${m.type} needs a value field`);
      if (m.type !== 'histogram' && m.buckets) issue(at('buckets'), 'only histograms have buckets');
      if (m.type === 'histogram' && 'le' in m.labels) issue(at('labels', 'le'), 'reserved by histograms');
      if (m.buckets?.some((b, j) => j > 0 && b <= m.buckets![j - 1]!))
        issue(at('buckets'), 'must be increasing');
    });
    known(cfg.security.sources, ['security', 'sources']);
  });

export type Config = z.output<typeof configSchema>;
export type MetricConfig = Config['metrics'][number];
export type SourceConfig = Config['sources'][string];

export { ConfigError } from '@vigil/service-kit';

/** Validates a parsed YAML document as a whole; throws ConfigError naming the key path of each problem. */
export function parseConfig(doc: unknown): Config {
  return validateConfig(configSchema, doc);
}

/** Reads and validates a config file; each problem names its file:line:col and key path. */
export function loadConfig(path: string): Config {
  return loadConfigFile(path, parseConfig);
}
