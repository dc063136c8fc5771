import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CappedMetric } from './capped';
import type { MetricConfig } from './config';
import type { Fields } from './parsers/kind';

/** One metric from the config's `metrics:` list, fed with the fields of the lines of its sources. */
export interface DeclaredMetric {
  name: string;
  /** Whether lines of this source feed it. */
  reads(source: string): boolean;
  /** Updates the metric from a line's fields; false when the value field is not a usable number. */
  observe(fields: Fields): boolean;
}

export function createDeclaredMetric(
  config: MetricConfig,
  registry: Registry,
  overflow: Counter<string>,
): DeclaredMetric {
  const labelNames = Object.keys(config.labels);
  const fieldNames = Object.values(config.labels);
  const common = { name: config.name, help: config.help, labelNames, registers: [registry] };
  const metric =
    config.type === 'counter'
      ? new Counter(common)
      : config.type === 'gauge'
        ? new Gauge(common)
        : new Histogram({ ...common, ...(config.buckets ? { buckets: config.buckets } : {}) });
  const capped = new CappedMetric(
    metric,
    config.name,
    labelNames.map((name) => ({ name, max: config.max_label_values })),
    overflow,
  );
  const matchers = Object.entries(config.match);
  const sources = new Set(config.sources);
  const { value: valueField, scale } = config;

  return {
    name: config.name,
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
        value = Number(raw) * scale;
        if (raw.trim() === '' || !Number.isFinite(value)) return false;
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
