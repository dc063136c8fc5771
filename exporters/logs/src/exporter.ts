import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { Gauge, Registry } from 'prom-client';
import { createOverflowCounter } from './capped';
import type { Config } from './config';
import { INPUT_KINDS } from './inputs';
import type { InputKind } from './inputs/kind';
import { OffsetStore } from './inputs/offsets';
import { createDeclaredMetrics, createLineHandler } from './pipeline';
import { createSecurityPack } from './security/pack';
import { createSelfMetrics, type Source } from './self-metrics';
import { SourceStats } from './stats';

export interface ExporterOptions {
  log: Logger;
  stdin?: Readable;
  /** Monotonic milliseconds, for the scrape duration; tests freeze it. */
  monotonic?: () => number;
}

/** Every source wired to its input, parser, metrics and the security pack, with one registry. */
export function createExporter(config: Config, options: ExporterOptions) {
  const { log } = options;
  const monotonic = options.monotonic ?? (() => performance.now());
  const registry = new Registry();
  const overflow = createOverflowCounter(registry);
  const declared = createDeclaredMetrics(config, registry, overflow);
  const pack = createSecurityPack(config.security, registry, overflow);
  const offsets = new OffsetStore(config.state_file);
  const sources: Source[] = Object.entries(config.sources).map(([name, source]) => {
    const stats = new SourceStats();
    const { kind, ...settings } = source.input;
    const input = (INPUT_KINDS.get(kind) as InputKind).create(settings, {
      source: name,
      sink: createLineHandler(name, config, stats, declared, pack),
      stats,
      log,
      maxLineBytes: config.max_line_bytes,
      files: config.files,
      offsets,
      stdin: options.stdin ?? process.stdin,
    });
    return { name, stats, input };
  });
  createSelfMetrics(sources, registry);
  // Up and the scrape duration describe the collection of `registry`, so they live apart and come last.
  const meta = new Registry();
  const up = new Gauge({
    name: 'logexporter_up',
    help: 'Whether every source started and the exporter could collect its metrics (1) or not.',
    registers: [meta],
  });
  const scrapeDuration = new Gauge({
    name: 'logexporter_scrape_duration_seconds',
    help: 'Time taken to collect the metrics of this scrape.',
    registers: [meta],
  });
  let started = false;

  return {
    registry,
    sources,
    /** Starts every input; files have had their first pass when it resolves. */
    async start() {
      await Promise.all(sources.map((s) => s.input.start()));
      started = true;
    },
    async stop() {
      await Promise.all(sources.map((s) => s.input.stop()));
    },
    /** Renders the exposition text; counters are the totals since start (a restart resets them). */
    async render(): Promise<string> {
      const t0 = monotonic();
      let text = '';
      try {
        text = await registry.metrics();
        up.set(started ? 1 : 0);
      } catch (err) {
        log.error({ err }, 'cannot collect metrics');
        up.set(0);
      }
      scrapeDuration.set((monotonic() - t0) / 1000);
      return `${text}${text ? '\n' : ''}${await meta.metrics()}\n`;
    },
  };
}

export type Exporter = ReturnType<typeof createExporter>;
