import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CappedMetric } from './capped';
import type { MetricConfig } from './config';
import type { Fields } from './parsers/kind';

const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

type Metric = Counter<string> | Gauge<string> | Histogram<string>;

/** One metric from the config's `metrics:` list, fed with the fields of the lines of its sources. */
export interface DeclaredMetric {
  name: string;
  /** What a reload must keep for the metric to carry on counting: its series' shape. */
  shape: string;
  /** The prom-client metric with its capped labels, which a reload hands on when the shape is unchanged. */
  capped: CappedMetric<Metric>;
  /** Whether lines of this source feed it. */
  reads(source: string): boolean;
  /** Updates the metric from a line's fields; false when the value field is not a usable number. */
  observe(fields: Fields): boolean;
}

/**
 * Name, type, help, label names, buckets and label cap: while these stay, a reload keeps the metric's series
 * and values (sources, match, label fields, value and scale only decide which lines feed it, and how).
 */
export function metricShape(config: MetricConfig): string {
  const { name, type, help, labels, buckets, max_label_values } = config;
  return JSON.stringify([name, type, help, Object.keys(labels), buckets ?? null, max_label_values]);
}

/** Builds a declared metric; `kept` is the previous configuration's metric of the same shape, carried on. */
export function createDeclaredMetric(
  config: MetricConfig,
  registry: Registry,
  overflow: Counter<string>,
  kept?: CappedMetric<Metric>,
): DeclaredMetric {
  const labelNames = Object.keys(config.labels);
  const fieldNames = Object.values(config.labels);
  const build = () => {
    const common = { name: config.name, help: config.help, labelNames, registers: [registry] };
    const created =
      config.type === 'counter'
        ? new Counter(common)
        : config.type === 'gauge'
          ? new Gauge(common)
          : new Histogram({ ...common, ...(config.buckets ? { buckets: config.buckets } : {}) });
    return new CappedMetric<Metric>(
      created,
      config.name,
      labelNames.map((name) => ({ name, max: config.max_label_values })),
      overflow,
    );
  };
  if (kept) registry.registerMetric(kept.metric);
  const capped = kept ?? build();
  const metric = capped.metric;
  const matchers = Object.entries(config.match);
  const sources = new Set(config.sources);
  const { value: valueField, scale } = config;

  return {
    name: config.name,
    shape: metricShape(config),
    capped,
    reads: (source) => sources.size === 0 || sources.has(source),
    observe(fields) {
      for (const [field, re] of matchers) {
        const v = fields[field];
        if (v === undefined || !re.test(v)) return true;
      }
      let value = 1;
      if (valueField !== undefined) {
        const raw = fields[valueField];
        // nginx logs "-" for a time it did not measure: no value, nothing to count.
        if (raw === undefined || raw === '-') return true;
        // A decimal number as logs write them ("0.004", "-3", "1e3"); Number() alone would also take
        // "0x10", " 5 " and "".
        if (!DECIMAL.test(raw)) return false;
        value = Number(raw) * scale;
        if (!Number.isFinite(value)) return false;
      }
      const values = fieldNames.map((f) => fields[f] ?? '');
      const child = capped.child(values);
      if (metric instanceof Counter) {
        if (value < 0) return false;
        (child as ReturnType<Counter<string>['labels']>).inc(value);
      } else if (metric instanceof Gauge) {
        (child as ReturnType<Gauge<string>['labels']>).set(value);
      } else {
        (child as ReturnType<Histogram<string>['labels']>).observe(value);
      }
      return true;
    },
  };
}
