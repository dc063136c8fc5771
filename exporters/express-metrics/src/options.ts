import type { ExpressMetricsOptions } from './index';

const fail = (message: string): never => {
  throw new TypeError(`expressMetrics: ${message}`);
};

/** A value as the message shows it: JSON, but numbers as JavaScript writes them (JSON writes Infinity null). */
const shown = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(shown).join(',')}]`
    : typeof value === 'number'
      ? String(value)
      : (JSON.stringify(value) ?? String(value));

const KNOWN: readonly string[] = ['service', 'registry', 'durationBuckets', 'defaultMetrics', 'exemplars'];

/** Histogram buckets Prometheus reads right: at least one, finite, each above the one before. */
export function increasingBuckets(buckets: unknown): buckets is number[] {
  return (
    Array.isArray(buckets) &&
    buckets.length > 0 &&
    buckets.every((b, i) => typeof b === 'number' && Number.isFinite(b) && (i === 0 || b > buckets[i - 1]))
  );
}

/** Refuses options that would fail later, per request, or make a histogram Prometheus misreads. */
export function checkOptions(options: unknown): asserts options is ExpressMetricsOptions {
  if (typeof options !== 'object' || options === null) fail('options must be an object with service');
  const o = options as Record<string, unknown>;
  // A misspelt option would otherwise be ignored without a word.
  const unknown = Object.keys(o).filter((key) => !KNOWN.includes(key));
  if (unknown.length > 0) fail(`unknown option ${unknown.join(', ')}; the options are ${KNOWN.join(', ')}`);
  if (typeof o.service !== 'string' || o.service.trim() === '')
    fail(`options.service must be a non-empty string (got ${shown(o.service)})`);
  if (
    o.registry !== undefined &&
    typeof (o.registry as { registerMetric?: unknown } | null)?.registerMetric !== 'function'
  )
    fail('options.registry must be a prom-client Registry');
  const buckets = o.durationBuckets;
  if (buckets !== undefined && !(increasingBuckets(buckets) && (buckets[0] as number) > 0))
    fail(
      `options.durationBuckets must be finite numbers above 0, in increasing order (got ${shown(buckets)})`,
    );
  if (o.defaultMetrics !== undefined && typeof o.defaultMetrics !== 'boolean')
    fail(`options.defaultMetrics must be true or false (got ${shown(o.defaultMetrics)})`);
  if (o.exemplars !== undefined && typeof o.exemplars !== 'function')
    fail('options.exemplars must be a function of the request (e.g. traceparentExemplar)');
}
