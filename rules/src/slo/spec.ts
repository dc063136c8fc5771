import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { z } from 'zod';
import { describeIssues, formatProblem } from '@vigil/service-kit';
import { unknownSelectorNames } from '../mixin/known-metrics';

export class SpecError extends Error {
  override name = 'SpecError';
}

const name = z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes');
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name');
const metricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a Prometheus metric name');
/** A metric name with optional matchers, e.g. http_requests_total{service="demo",status_class="5xx"}. */
const selector = z
  .string()
  .regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?$/, 'must be a series selector: metric{label="value",...}');
/** Concrete series (equality matchers only), used to build the generated tests' input series. */
const series = z
  .string()
  .regex(
    /^[a-zA-Z_:][a-zA-Z0-9_:]*\{\s*[a-zA-Z_]\w*="[^"]*"(\s*,\s*[a-zA-Z_]\w*="[^"]*")*\s*\}$/,
    'must be one concrete series: metric{label="value",...} with = matchers only',
  );

const eventsSli = z.strictObject({
  /** Matches the failed events; a subset of total. */
  errors: selector,
  total: selector,
  /** Example series for the generated promtool tests: `bad` matches errors and total, `good` only total. */
  test_series: z.strictObject({ good: series, bad: series }),
});

const latencySli = z.strictObject({
  /** Histogram base name; the _bucket and _count series are used. */
  histogram: metricName,
  labels: z.record(labelName, z.string()).default({}),
  /** Requests slower than this many seconds are errors; must be one of the histogram's bucket bounds. */
  threshold_seconds: z.number().positive(),
});

const sloSchema = z.strictObject({
  name,
  description: z.string().min(1),
  /** Target percentage of good events over the period, e.g. 99.9. */
  objective: z.number().gt(0).lt(100),
  sli: z
    .strictObject({ events: eventsSli.optional(), latency: latencySli.optional() })
    .refine(
      (s) => (s.events === undefined) !== (s.latency === undefined),
      'set exactly one of events or latency',
    )
    .transform((s) =>
      s.events
        ? { kind: 'events' as const, ...s.events }
        : { kind: 'latency' as const, ...(s.latency as z.output<typeof latencySli>) },
    ),
  /** Low-traffic guard: page tiers stay silent until their long window holds at least this many events. */
  min_events_to_page: z.number().int().min(0).default(100),
});

const specSchema = z.strictObject({
  service: name,
  team: name,
  period: z.enum(['28d', '30d']).default('30d'),
  slos: z.array(sloSchema).min(1),
});

export type SloSpec = z.output<typeof specSchema>;
export type Slo = SloSpec['slos'][number];

/** Validates one parsed spec document; throws SpecError naming the file and key path of each problem. */
export function parseSpec(doc: unknown, source: string): SloSpec {
  const result = specSchema.safeParse(doc);
  if (!result.success) {
    const problems = describeIssues(result.error, specSchema).map(formatProblem);
    throw new SpecError(`${source}: ${problems.join('; ')}`);
  }
  const unknown = result.data.slos.flatMap((slo, i) => selectorProblems(slo, `slos[${i}].sli`));
  if (unknown.length) throw new SpecError(`${source}: ${unknown.join('; ')}`);
  const names = result.data.slos.map((s) => s.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new SpecError(`${source}: slos: duplicate name "${duplicate}"`);
  return result.data;
}

/** The metric and label names of a selector the schema has accepted (metric{label op "value", ...}). */
function selectorNames(text: string): { metric: string; labels: string[] } {
  const [, metric = '', matchers = ''] = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?$/.exec(text) ?? [];
  const labels = [...matchers.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)\s*"(?:[^"\\]|\\.)*"/g)].map(
    (m) => m[1] as string,
  );
  return { metric, labels };
}

/** Selectors naming a metric or label that does not exist, each with its key path. */
function selectorProblems(slo: Slo, path: string): string[] {
  const check = (key: string, metric: string, labels: string[]) =>
    unknownSelectorNames(metric, labels).map((problem) => `${path}.${key}: ${problem}`);
  const sli = slo.sli;
  if (sli.kind === 'latency')
    return check('latency.histogram', `${sli.histogram}_bucket`, Object.keys(sli.labels));
  return (['errors', 'total'] as const).flatMap((key) => {
    const { metric, labels } = selectorNames(sli[key]);
    return check(`events.${key}`, metric, labels);
  });
}

export function loadSpec(file: string): SloSpec {
  let doc: unknown;
  try {
    doc = yaml.load(readFileSync(file, 'utf8'), { filename: file });
  } catch (err) {
    throw new SpecError(`${file}: ${(err as Error).message}`);
  }
  return parseSpec(doc, file);
}

/** Every *.yml spec in dir, sorted by file name so output is stable. */
export function loadSpecs(dir: string): SloSpec[] {
  const specs = readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => loadSpec(join(dir, f)));
  const services = specs.map((s) => s.service);
  const duplicate = services.find((s, i) => services.indexOf(s) !== i);
  if (duplicate) throw new SpecError(`${dir}: service "${duplicate}" is specified twice`);
  return specs;
}
