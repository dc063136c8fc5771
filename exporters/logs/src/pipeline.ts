import { Counter, type Registry } from 'prom-client';
import type { Config } from './config';
import { createDeclaredMetric, metricShape, type DeclaredMetric } from './declared';
import { levelOf } from './levels';
import type { LineSink } from './lines';
import { PARSER_KINDS } from './parsers';
import { ParseError, type Parser, type ParserKind } from './parsers/kind';
import type { SecurityPack } from './security/pack';
import type { SourceStats } from './stats';

/**
 * Builds the per-line path of one source: parse, tally, then feed the declared metrics reading the source
 * and the security pack.
 */
export function createLineHandler(
  source: string,
  config: Config,
  stats: SourceStats,
  metrics: ReturnType<typeof createDeclaredMetrics>,
  pack: SecurityPack,
): LineSink {
  const { kind, ...settings } = (config.sources[source] as Config['sources'][string]).parser;
  const parser: Parser = (PARSER_KINDS.get(kind) as ParserKind).create(settings);
  const mine = metrics.metrics.filter((m) => m.reads(source));
  const security = pack.reads(source);
  return (line, info) => {
    stats.linesRead++;
    if (info.truncated) stats.truncated++;
    if (info.invalidUtf8) stats.invalidUtf8++;
    const fields = parser(line);
    if (fields === undefined) {
      stats.unmatched++;
      return;
    }
    if (fields instanceof ParseError) {
      stats.parseErrors++;
      return;
    }
    stats.matched++;
    const level = levelOf(fields);
    if (level) stats.levels.set(level, (stats.levels.get(level) ?? 0) + 1);
    for (const m of mine) if (!m.observe(fields)) metrics.valueErrors.inc({ metric: m.name });
    if (security) pack.observe(source, fields);
  };
}

/**
 * The config's `metrics:`, and the counter of values they could not use. `previous` is the configuration
 * before a reload: its metrics of unchanged shape (metricShape) are carried on with their values, the others
 * start again from zero.
 */
export function createDeclaredMetrics(
  config: Config,
  registry: Registry,
  overflow: Counter<string>,
  previous?: { metrics: DeclaredMetric[]; valueErrors: Counter<string> },
) {
  const valueErrors =
    previous?.valueErrors ??
    new Counter({
      name: 'logexporter_value_errors_total',
      help: 'Matched lines whose value field was not a usable number for the metric (not counted in it).',
      labelNames: ['metric'],
      registers: [],
    });
  registry.registerMetric(valueErrors);
  for (const m of config.metrics) valueErrors.inc({ metric: m.name }, 0);
  const kept = new Map((previous?.metrics ?? []).map((m) => [m.shape, m.capped]));
  const metrics = config.metrics.map((m) =>
    createDeclaredMetric(m, registry, overflow, kept.get(metricShape(m))),
  );
  return { metrics, valueErrors };
}

export type DeclaredMetrics = ReturnType<typeof createDeclaredMetrics>;

/**
 * Once a reload has taken: the value-error and label-overflow series of metrics no longer declared go (those
 * of a metric declared again under its name keep counting).
 */
export function retireMetrics(previous: DeclaredMetrics, next: DeclaredMetrics): void {
  for (const old of previous.metrics) {
    if (next.metrics.some((m) => m.name === old.name)) continue;
    old.capped.dropOverflow();
    next.valueErrors.remove({ metric: old.name });
  }
}
