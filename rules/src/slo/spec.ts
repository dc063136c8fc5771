import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { z } from 'zod';
import { describeIssues, formatProblem } from '@vigil/service-kit';
import { unknownSelectorNames } from '../mixin/known-metrics';
import { matches, regexProblems, vectorSelector, type Selector } from '../promql';
import { burnRateFactor, errorBudget, TIERS, type Tier } from './windows';

export class SpecError extends Error {
  override name = 'SpecError';
}

const name = z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes');
const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name');
const metricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a Prometheus metric name');

/** Text that Prometheus's PromQL grammar reads as one series selector; `check` adds what else must hold. */
const promqlSelector = (check?: (s: Selector) => string | undefined) =>
  z.string().superRefine((text, ctx) => {
    try {
      const parsed = vectorSelector(text);
      const problem = check?.(parsed);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  });

/** A metric name with optional matchers, e.g. http_requests_total{service="demo",status_class="5xx"}. */
const selector = promqlSelector();
/** Concrete series (equality matchers only), used to build the generated tests' input series. */
const series = promqlSelector((s) =>
  s.matchers.every((m) => m.op === '=')
    ? undefined
    : `${s.text} must be one concrete series: metric{label="value",...} with = matchers only`,
);

const eventsSli = z.strictObject({
  /** Matches the failed events; a subset of total. */
  errors: selector,
  total: selector,
  /** Example series for the generated promtool tests: `bad` matches errors and total, `good` only total. */
  test_series: z.strictObject({ good: series, bad: series }),
});

/** A gauge that is 1 while things are good and 0 while not, e.g. probe_success: each sample is an event. */
const boolGaugeSli = z.strictObject({
  selector,
  /** Example series for the generated promtool tests; matches selector. */
  test_series: series,
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
  // Read into the alerts' annotations, which Prometheus expands as Go templates: "{{" would start an action.
  description: z
    .string()
    .min(1)
    .refine(
      (text) => !text.includes('{{'),
      'must not contain "{{": the alerts\' annotations are Go templates',
    ),
  /** Target percentage of good events over the period, e.g. 99.9. */
  objective: z.number().gt(0).lt(100),
  sli: z
    .strictObject({
      events: eventsSli.optional(),
      latency: latencySli.optional(),
      bool_gauge: boolGaugeSli.optional(),
    })
    .refine(
      (s) => [s.events, s.latency, s.bool_gauge].filter((k) => k !== undefined).length === 1,
      'set exactly one of events, latency or bool_gauge',
    )
    .transform((s) => {
      if (s.events) return { kind: 'events' as const, ...s.events };
      if (s.bool_gauge) return { kind: 'bool_gauge' as const, ...s.bool_gauge };
      return { kind: 'latency' as const, ...(s.latency as z.output<typeof latencySli>) };
    }),
  /** Low-traffic guard: page tiers stay silent until their long window holds at least this many events. */
  min_events_to_page: z.number().int().min(0).default(100),
});

const specSchema = z.strictObject({
  service: name,
  team: name,
  period: z.enum(['28d', '30d']).default('30d'),
  // The service's own metrics, which known-metrics.ts cannot list: its selectors may name them (a histogram
  // by its base name), their names and labels taken as written.
  metrics: z
    .array(z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'not a valid Prometheus metric name'))
    .default([]),
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
  const own = new Set(result.data.metrics);
  const unknown = result.data.slos.flatMap((slo, i) => selectorProblems(slo, `slos[${i}].sli`, own));
  if (unknown.length) throw new SpecError(`${source}: ${unknown.join('; ')}`);
  const hopeless = result.data.slos.flatMap((slo, i) => objectiveProblems(slo, result.data.period, i));
  if (hopeless.length) throw new SpecError(`${source}: ${hopeless.join('; ')}`);
  const names = result.data.slos.map((s) => s.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new SpecError(`${source}: slos: duplicate name "${duplicate}"`);
  return result.data;
}

/**
 * The most nines accepted: errorBudget() rounds to 10 decimals, which moves a budget of 1e-8 by at most
 * 0.5%; a smaller one is off by more, and one under 5e-11 becomes 0 (rules dividing by it, NaN thresholds).
 */
const HIGHEST_OBJECTIVE = 99.999999;

/**
 * An objective so high that the error budget is lost to rounding, or so low that the fastest page tier's
 * threshold (its factor times the error budget) reaches 1: an error ratio cannot pass it, so the page would
 * never fire. Most often a ratio written for a percentage.
 */
function objectiveProblems(slo: Slo, period: SloSpec['period'], i: number): string[] {
  if (slo.objective > HIGHEST_OBJECTIVE) {
    const budget = Number((1 - slo.objective / 100).toPrecision(2));
    return [
      `slos[${i}].objective: ${slo.objective} leaves an error budget of ${budget}, which the generator, rounding to 10 decimals, cannot hold to 0.5%: an objective must be at most ${HIGHEST_OBJECTIVE}`,
    ];
  }
  const fast = TIERS[0] as Tier;
  const factor = burnRateFactor(fast, period);
  const threshold = factor * errorBudget(slo.objective);
  if (threshold < 1) return [];
  // Rounded up: every objective at least this is accepted (93.05 was said, and 93.055 refused).
  const lowest = Math.ceil(100 * (1 - 1 / factor) * 1e4) / 1e4;
  return [
    `slos[${i}].objective: ${slo.objective} is a percentage; at it the ${fast.name} page tier would need an error ratio above ${Number(threshold.toFixed(4))} (${factor}× the budget), so it could never fire: over a ${period} period an objective must be at least ${lowest} (99.9, not 0.999)`,
  ];
}

/** What is wrong with the SLI's selectors beyond their syntax, each with its key path. */
function selectorProblems(slo: Slo, path: string, own: ReadonlySet<string>): string[] {
  const sli = slo.sli;
  const ours = (metric: string) => own.has(metric) || own.has(metric.replace(/_bucket$/, ''));
  const known = (key: string, s: Selector) =>
    [
      ...(ours(s.metric ?? '')
        ? []
        : unknownSelectorNames(
            s.metric ?? '',
            s.matchers.map((m) => m.label),
          )),
      ...regexProblems(s),
    ].map((problem) => `${path}.${key}: ${problem}`);
  if (sli.kind === 'latency')
    return known('latency.histogram', {
      metric: `${sli.histogram}_bucket`,
      matchers: Object.entries(sli.labels).map(([label, value]) => ({ label, op: '=', value })),
      text: sli.histogram,
    });
  if (sli.kind === 'bool_gauge') {
    const gauge = vectorSelector(sli.selector);
    const example = vectorSelector(sli.test_series);
    const problems = known('bool_gauge.selector', gauge);
    if (!problems.length && !selects(gauge, example))
      problems.push(`${path}.bool_gauge.test_series: ${example.text} is not selected by ${gauge.text}`);
    return problems;
  }
  const errors = vectorSelector(sli.errors);
  const total = vectorSelector(sli.total);
  const problems = [...known('events.errors', errors), ...known('events.total', total)];
  if (problems.length) return problems;
  // errors must select a subset of total's series, or the ratio can pass 1 or miss errors.
  const missing = total.matchers.filter(
    (t) => !errors.matchers.some((e) => e.label === t.label && e.op === t.op && e.value === t.value),
  );
  if (errors.metric !== total.metric || missing.length) {
    problems.push(
      `${path}.events.errors: ${errors.text} must select a subset of total ${total.text}: ` +
        'the same metric and every matcher of total',
    );
  }
  const good = vectorSelector(sli.test_series.good);
  const bad = vectorSelector(sli.test_series.bad);
  if (!selects(total, good) || selects(errors, good))
    problems.push(`${path}.events.test_series.good: ${good.text} must match total and not errors`);
  if (!selects(errors, bad)) problems.push(`${path}.events.test_series.bad: ${bad.text} must match errors`);
  return problems;
}

/** Whether the concrete series `example` is one that `selector` selects. */
function selects(selector: Selector, example: Selector): boolean {
  const labels = Object.fromEntries(example.matchers.map((m) => [m.label, m.value]));
  return selector.metric === example.metric && matches(selector.matchers, labels);
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
