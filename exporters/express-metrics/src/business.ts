import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { increasingBuckets } from './options';

/** The value every label of a series over its metric's bound is recorded under, so totals stay right. */
export const OVERFLOW = 'other';

export interface BusinessMetricOptions<L extends string> {
  /** snake_case with the application's prefix, in base units; counters end in `_total`, nothing else does. */
  name: string;
  help: string;
  labelNames?: readonly L[];
  /** The values allowed per label; any other value is recorded as "other". */
  labelValues?: Partial<Record<L, readonly string[]>>;
  /** At most this many label combinations (default 100); later new ones are recorded as "other". */
  maxSeries?: number;
}

export type Labels<L extends string> = [L] extends [never]
  ? Record<string, never>
  : Record<L, string | number>;

/** Name parts that are not base units, and the base unit to use (prometheus.io "Metric and label naming"). */
const NON_BASE_UNITS = new Map<string, string>([
  ...[
    'ms',
    'us',
    'ns',
    'millis',
    'milliseconds',
    'microseconds',
    'nanoseconds',
    'minutes',
    'hours',
    'days',
  ].map((u): [string, string] => [u, 'seconds']),
  ...['kb', 'mb', 'gb', 'kib', 'mib', 'gib', 'kilobytes', 'megabytes', 'gigabytes'].map(
    (u): [string, string] => [u, 'bytes'],
  ),
  ...['percent', 'percentage', 'pct'].map((u): [string, string] => [u, 'a ratio from 0 to 1 (..._ratio)']),
]);
const SNAKE_CASE = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
/** Label names Prometheus or the middleware give a meaning of their own. */
const RESERVED_LABELS = new Set(['le', 'quantile', 'job', 'instance', 'service']);

/** Throws an Error naming the metric and the Prometheus naming convention it breaks. */
function checkNaming(kind: 'counter' | 'gauge' | 'histogram', o: BusinessMetricOptions<string>) {
  const fail = (message: string) => {
    throw new Error(`business metric "${o.name}": ${message}`);
  };
  if (!SNAKE_CASE.test(o.name)) fail('the name must be snake_case (a-z, 0-9, single underscores)');
  if (!o.name.includes('_')) fail('the name must start with the application prefix, e.g. shop_orders_total');
  for (const part of o.name.split('_')) {
    const instead = NON_BASE_UNITS.get(part);
    if (instead) fail(`"${part}" is not a base unit: use ${instead}`);
  }
  if (kind === 'counter' && !o.name.endsWith('_total')) fail("a counter's name must end in _total");
  if (kind !== 'counter' && o.name.endsWith('_total')) fail('only counters end in _total');
  if (typeof o.help !== 'string' || !o.help.trim()) fail('help must say what is counted');
  for (const label of o.labelNames ?? []) {
    if (!SNAKE_CASE.test(label)) fail(`label "${label}" must be snake_case`);
    if (RESERVED_LABELS.has(label)) fail(`label "${label}" is reserved`);
  }
  for (const label of Object.keys(o.labelValues ?? {})) {
    if (!o.labelNames?.includes(label as never)) fail(`labelValues names "${label}", which is not a label`);
  }
  if (o.maxSeries !== undefined && !(Number.isInteger(o.maxSeries) && o.maxSeries > 0))
    fail('maxSeries must be a positive integer');
}

/**
 * Maps label values onto a bounded set: allowed values per label, then at most maxSeries combinations;
 * with the fixed labels (`service`) added.
 */
function labelBounder<L extends string>(o: BusinessMetricOptions<L>, fixed: Record<string, string>) {
  const names = o.labelNames ?? [];
  const allowed = new Map(Object.entries(o.labelValues ?? {}).map(([k, v]) => [k, new Set(v as string[])]));
  const maxSeries = o.maxSeries ?? 100;
  const seen = new Set<string>();
  const overflow = { ...Object.fromEntries(names.map((n) => [n, OVERFLOW])), ...fixed } as Record<L, string>;
  return (labels: Labels<L>): Record<L, string> => {
    const values = {} as Record<L, string>;
    for (const name of names) {
      const raw = (labels as Record<string, string | number | undefined>)[name];
      const value = raw === undefined ? '' : String(raw);
      values[name] = allowed.get(name)?.has(value) === false ? OVERFLOW : value;
    }
    // After the application's labels, as prom-client prints them in this order.
    Object.assign(values, fixed);
    const key = JSON.stringify(names.map((n) => values[n]));
    if (seen.has(key)) return values;
    if (seen.size >= maxSeries) return overflow;
    seen.add(key);
    return values;
  };
}

/**
 * Typed helpers for an application's own metrics (orders, payments, queue depth), registered on
 * `registry`. Each refuses, when created, a name or label that breaks the naming conventions, and keeps its
 * label cardinality bounded whatever values the application passes. `fixed` labels go on every series
 * (expressMetrics' `metrics.business` gives its `service`).
 */
export function businessMetrics(registry: Registry, fixed: Record<string, string> = {}) {
  return {
    counter<L extends string = never>(o: BusinessMetricOptions<L>) {
      checkNaming('counter', o);
      const bound = labelBounder(o, fixed);
      const metric = new Counter({ ...common(o, registry, fixed) });
      return {
        inc(labels: Labels<L>, value = 1) {
          metric.inc(bound(labels), value);
        },
      };
    },
    gauge<L extends string = never>(o: BusinessMetricOptions<L>) {
      checkNaming('gauge', o);
      const bound = labelBounder(o, fixed);
      const metric = new Gauge({ ...common(o, registry, fixed) });
      return {
        set(labels: Labels<L>, value: number) {
          metric.set(bound(labels), value);
        },
        inc(labels: Labels<L>, value = 1) {
          metric.inc(bound(labels), value);
        },
        dec(labels: Labels<L>, value = 1) {
          metric.dec(bound(labels), value);
        },
      };
    },
    histogram<L extends string = never>(o: BusinessMetricOptions<L> & { buckets: number[] }) {
      checkNaming('histogram', o);
      if (!increasingBuckets(o.buckets))
        throw new Error(`business metric "${o.name}": buckets must be finite numbers in increasing order`);
      const bound = labelBounder(o, fixed);
      const metric = new Histogram({ ...common(o, registry, fixed), buckets: o.buckets });
      return {
        observe(labels: Labels<L>, value: number) {
          metric.observe(bound(labels), value);
        },
      };
    },
  };
}

function common<L extends string>(
  o: BusinessMetricOptions<L>,
  registry: Registry,
  fixed: Record<string, string>,
) {
  const labelNames = [...(o.labelNames ?? []), ...Object.keys(fixed)];
  return { name: o.name, help: o.help, labelNames, registers: [registry] };
}
