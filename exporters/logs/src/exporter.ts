import type { Readable } from 'node:stream';
import { ConfigError, type Logger } from '@vigil/service-kit';
import { Gauge, Registry } from 'prom-client';
import { createOverflowCounter } from './capped';
import type { Config, SourceConfig } from './config';
import { INPUT_KINDS } from './inputs';
import type { InputKind } from './inputs/kind';
import { OffsetStore } from './inputs/offsets';
import type { LineInfo, LineSink } from './lines';
import { createDeclaredMetrics, createLineHandler, retireMetrics, type DeclaredMetrics } from './pipeline';
import { createSecurityPack, type SecurityPack } from './security/pack';
import { createSelfMetrics, type Source } from './self-metrics';
import { SourceStats } from './stats';

export interface ExporterOptions {
  log: Logger;
  stdin?: Readable;
  /** Monotonic milliseconds, for the scrape duration; tests freeze it. */
  monotonic?: () => number;
}

/** A source's input and where its lines go: a reload swaps the sink, and the input only if its settings change. */
interface RunningSource extends Source {
  /** The settings its input was made from. */
  inputKey: string;
  sink: LineSink;
}

/** One configuration at work: its registry, metrics, security pack and sources. */
interface Generation {
  config: Config;
  registry: Registry;
  declared: DeclaredMetrics;
  pack: SecurityPack;
  sources: RunningSource[];
}

/** What an input is made from besides the line handling: while it stays the same, a reload keeps the input. */
function inputKey(config: Config, name: string): string {
  return JSON.stringify([(config.sources[name] as SourceConfig).input, config.max_line_bytes, config.files]);
}

/**
 * What a source's input holds that no other input can hold at once: stdin, or a syslog port (of its
 * protocol, whatever the address: 0.0.0.0 takes every address's); none for files and port 0.
 */
function heldAlone(config: Config, name: string): string | undefined {
  const input = (config.sources[name] as SourceConfig).input as {
    kind: string;
    protocol?: string;
    port?: number;
  };
  if (input.kind === 'stdin') return 'stdin';
  if (input.kind === 'syslog' && input.port !== 0) return `${input.protocol}:${input.port}`;
  return undefined;
}

/** The state file could not be written (at start, or at a reload's new place). */
const unwritable = (err: unknown) =>
  new ConfigError([{ path: ['state_file'], message: `cannot write: ${(err as Error).message}` }]);

/**
 * Every source wired to its input, parser, metrics and the security pack, with one registry per
 * configuration. `reload` moves to a new configuration without losing or repeating a line: see its comment.
 */

export function createExporter(initial: Config, options: ExporterOptions) {
  const { log } = options;
  const monotonic = options.monotonic ?? (() => performance.now());
  const stdin = options.stdin ?? process.stdin;
  // Outlive any one configuration: the file offsets and the label-overflow counter.
  const offsets = new OffsetStore(initial.state_file);
  const overflow = createOverflowCounter();

  function createInput(config: Config, source: RunningSource, fresh: boolean) {
    const { kind, ...settings } = (config.sources[source.name] as SourceConfig).input;
    return (INPUT_KINDS.get(kind) as InputKind).create(settings, {
      source: source.name,
      // Through the source, so that a reload can hand the lines of a kept input to the new pipeline.
      sink: (line, info) => source.sink(line, info),
      stats: source.stats,
      log,
      maxLineBytes: config.max_line_bytes,
      files: config.files,
      offsets,
      stdin,
      fresh,
    });
  }

  function createSource(config: Config, name: string, stats: SourceStats, sink: LineSink, fresh: boolean) {
    const source = { name, stats, inputKey: inputKey(config, name), sink } as RunningSource;
    source.input = createInput(config, source, fresh);
    return source;
  }

  /** The metrics of `config`, carrying on what `previous` had of the same shape; sources are added after. */
  function generation(config: Config, previous?: Generation) {
    const registry = new Registry();
    registry.registerMetric(overflow);
    const declared = createDeclaredMetrics(config, registry, overflow, previous?.declared);
    const pack = createSecurityPack(config.security, registry, overflow, previous?.pack);
    const handler = (name: string, stats: SourceStats) =>
      createLineHandler(name, config, stats, declared, pack);
    return { config, registry, declared, pack, handler };
  }

  const first = generation(initial);
  let current: Generation = {
    ...first,
    sources: Object.keys(initial.sources).map((name) => {
      const stats = new SourceStats();
      return createSource(initial, name, stats, first.handler(name, stats), !offsets.restored);
    }),
  };
  createSelfMetrics(current.sources, current.registry);

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
  // start, reload and stop run one at a time, in the order asked.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(op: () => Promise<T>): Promise<T> => {
    const run = queue.then(op);
    queue = run.catch(() => undefined);
    return run;
  };

  /**
   * Moves to `next`, atomically: either it is in force for every source, or (an input could not start, e.g.
   * a syslog port in use; the new state_file cannot be written) the previous configuration stays in force,
   * exactly as it was, and a ConfigError names the key.
   *
   * - A source whose input settings (and max_line_bytes, files.*) are unchanged keeps its input: open files,
   *   partial lines, syslog sockets and stdin stay as they are; from the next line on, its lines go to the
   *   new parser and metrics.
   * - A source whose input changed is stopped and started again: files resume from the offsets it saved (a
   *   file it followed before and after is neither re-read nor skipped; a file new to it is read whole);
   *   a listener moving to another port is bound there before the old one closes, so a reload refused
   *   leaves the old one and its TCP connections as they were; one that keeps its port (or stdin) stops
   *   first (what reaches the port in between is lost; TCP senders reconnect).
   * - A source the reload adds reads its existing files per files.start_at, as at a first start.
   * - Metrics of unchanged shape (name, type, help, label names, buckets, cap) keep their values, and so do
   *   the tallies of sources kept by name; the others start from zero.
   *
   * Only listeners can fail to start, so they are started first, their lines held until the new
   * configuration is in force (or handed to the previous one if it stays); files follow once nothing can fail.
   */
  async function reload(next: Config): Promise<void> {
    const old = current;
    const gen = generation(next, old);
    const before = new Map(old.sources.map((s) => [s.name, s]));
    const sources = Object.keys(next.sources).map((name) => {
      const prev = before.get(name);
      if (prev && prev.inputKey === inputKey(next, name)) return { name, kept: prev };
      const stats = prev?.stats ?? new SourceStats();
      const held: [string, LineInfo][] = [];
      const source = createSource(next, name, stats, (line, info) => void held.push([line, info]), !prev);
      return { name, prev, source, held };
    });
    const isFile = (config: Config, name: string) => config.sources[name]?.input.kind === 'file';
    const replaced = old.sources.filter((s) => !sources.some((n) => n.kept === s));
    const listeners = sources.filter((n) => n.source && !isFile(next, n.name));
    const wanted = new Set(listeners.map((n) => heldAlone(next, n.name)));
    const stoppedFirst = replaced.filter((s) => {
      const held = heldAlone(old.config, s.name);
      return held !== undefined && wanted.has(held);
    });

    // What can fail: writing the state file at its new place, binding listeners.
    const oldStateFile = old.config.state_file;
    const startedNow: typeof listeners = [];
    let failure: ConfigError | undefined;
    try {
      offsets.relocate(next.state_file);
      offsets.save();
    } catch (err) {
      failure = unwritable(err);
    }
    if (!failure && started) {
      for (const s of stoppedFirst) await s.input.stop();
      for (const n of listeners) {
        try {
          await n.source!.input.start();
          startedNow.push(n);
        } catch (err) {
          const message = `cannot start: ${(err as Error).message}`;
          failure = new ConfigError([{ path: ['sources', n.name, 'input'], message }]);
          break;
        }
      }
    }
    if (failure) {
      offsets.relocate(oldStateFile);
      retireMetrics(gen.declared, old.declared); // the value-error series of metrics that did not come
      for (const n of startedNow) {
        await n.source!.input.stop();
        // Lines that came meanwhile count in the configuration that stays.
        if (n.prev) for (const [line, info] of n.held) n.prev.sink(line, info);
      }
      if (started) {
        for (const s of stoppedFirst) {
          s.input = createInput(old.config, s, false);
          await s.input.start().catch((err: unknown) => {
            log.error({ source: s.name, err }, 'cannot restart a source of the previous configuration');
          });
        }
      }
      throw failure;
    }

    // Nothing fails from here on: the new configuration takes over, for every line from now on.
    const running: RunningSource[] = [];
    for (const n of sources) {
      const source = n.kept ?? n.source!;
      const handler = gen.handler(n.name, source.stats);
      for (const [line, info] of n.held ?? []) handler(line, info);
      source.sink = handler;
      // A replaced file input still reads until it stops below: its lines are the new configuration's too.
      if (n.prev) n.prev.sink = handler;
      running.push(source);
    }
    createSelfMetrics(running, gen.registry);
    retireMetrics(old.declared, gen.declared);
    current = {
      config: next,
      registry: gen.registry,
      declared: gen.declared,
      pack: gen.pack,
      sources: running,
    };
    if (!started) return;
    // The replaced inputs not stopped above: listeners on other ports now, and files, which save their
    // offsets as they stop for the new ones to resume from.
    for (const s of replaced) if (!stoppedFirst.includes(s)) await s.input.stop();
    offsets.keepSources(Object.keys(next.sources));
    await Promise.all(
      sources.filter((n) => n.source && isFile(next, n.name)).map((n) => n.source!.input.start()),
    ).catch((err: unknown) => log.error({ err }, 'cannot read log files'));
  }

  return {
    /** The configuration in force. */
    get config(): Config {
      return current.config;
    },
    get registry(): Registry {
      return current.registry;
    },
    get sources(): readonly Source[] {
      return current.sources;
    },
    /** Whether every source has started (files: had their first pass). */
    get started(): boolean {
      return started;
    },
    /** Starts every input; files have had their first pass when it resolves. */
    start: () =>
      serially(async () => {
        // Before any input runs: their saves would fail later, named after them.
        try {
          offsets.keepSources(Object.keys(current.config.sources));
          offsets.save(true);
        } catch (err) {
          throw unwritable(err);
        }
        await Promise.all(
          current.sources.map((s) =>
            s.input.start().catch((err: unknown) => {
              const message = `cannot start: ${(err as Error).message}`;
              throw new ConfigError([{ path: ['sources', s.name, 'input'], message }]);
            }),
          ),
        );
        started = true;
      }),
    reload: (next: Config) => serially(() => reload(next)),
    /** Stops every input, saving file offsets; `atEnd` for --one-shot (see Input.stop). */
    stop: (atEnd = false) =>
      serially(() => Promise.all(current.sources.map((s) => s.input.stop(atEnd))).then(() => undefined)),
    /** Renders the exposition text; counters are the totals since start (a restart resets them). */
    async render(): Promise<string> {
      const t0 = monotonic();
      let text = '';
      try {
        text = await current.registry.metrics();
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
