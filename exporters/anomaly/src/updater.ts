import type { Logger } from 'pino';
import type { Config, QueryConfig } from './config';
import type { Assessment } from './detectors/detector';
import { createDetector } from './detectors';
import type { NoveltyDetector } from './detectors/novelty';
import { queryRange, type RangeSeries } from './prometheus';

/** The model of one source series and what it last said. */
export interface SeriesState {
  labels: Record<string, string>;
  detector: NoveltyDetector;
  lastSampleMs: number;
  last?: Assessment;
}

export interface QueryState {
  config: QueryConfig;
  series: Map<string, SeriesState>;
  /** End of the last range pulled; the next pull starts one step after it. */
  pulledUntilMs?: number;
  /** Series left out because the query matched more than max_series_per_query. */
  seriesOverLimit: number;
}

export type Clock = () => number;

/** Prometheus refuses ranges of more than 11,000 points per series; pulls are split below that. */
const MAX_POINTS_PER_PULL = 10_000;

/** A stable identity for a label set, independent of key order. */
function seriesKey(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

/**
 * Pulls each query's new samples from Prometheus every step and feeds them, in order, to the series'
 * models. The first pull of a query covers the configured history so that models start trained; later
 * pulls only cover what is new, so no model ever refits. When Prometheus cannot be reached, every model
 * keeps its state and the next pull picks up from where the last good one ended.
 */
export class Updater {
  readonly queries: QueryState[];
  /** Whether the latest pull of every query succeeded. */
  up = false;
  lastRunSeconds = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    readonly clock: Clock = Date.now,
  ) {
    this.queries = config.queries.map((q) => ({ config: q, series: new Map(), seriesOverLimit: 0 }));
  }

  /** One pull of every query. Never throws: failures are logged and reported as anomaly_up 0. */
  async runOnce(): Promise<void> {
    const started = performance.now();
    const step = this.config.stepMs;
    const end = Math.floor(this.clock() / step) * step;
    let ok = true;
    for (const q of this.queries) {
      // After an outage longer than the history, only the history is worth pulling.
      const start = Math.max(end - this.config.historyMs, (q.pulledUntilMs ?? -Infinity) + step);
      try {
        for (let from = start; from <= end; from += MAX_POINTS_PER_PULL * step) {
          const to = Math.min(end, from + (MAX_POINTS_PER_PULL - 1) * step);
          const result = await queryRange(
            this.config.prometheus.url,
            q.config.query,
            from,
            to,
            step,
            this.config.prometheus.timeoutMs,
          );
          this.ingest(q, result, to);
          q.pulledUntilMs = to;
        }
      } catch (err) {
        ok = false;
        this.log.warn({ query: q.config.name, err: (err as Error).message }, 'cannot pull query');
      }
    }
    this.up = ok;
    this.lastRunSeconds = (performance.now() - started) / 1000;
  }

  private ingest(q: QueryState, result: RangeSeries[], endMs: number) {
    let overLimit = 0;
    for (const { labels, samples } of result) {
      const key = seriesKey(labels);
      let state = q.series.get(key);
      if (!state) {
        if (q.series.size >= this.config.maxSeriesPerQuery) {
          overLimit++;
          continue;
        }
        state = {
          labels,
          detector: createDetector(this.config.stepMs, this.config.model),
          lastSampleMs: -Infinity,
        };
        q.series.set(key, state);
      }
      for (const [t, v] of samples) {
        if (t <= state.lastSampleMs) continue;
        state.last = state.detector.update(t, v);
        state.lastSampleMs = t;
      }
    }
    q.seriesOverLimit = overLimit;
    // A series gone for longer than the history would be retrained from scratch anyway: forget it.
    for (const [key, state] of q.series) {
      if (state.lastSampleMs < endMs - this.config.historyMs) q.series.delete(key);
    }
  }

  /** Pulls now and then every step, one pull at a time. */
  start() {
    const loop = async () => {
      this.running = this.runOnce();
      await this.running;
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.config.stepMs);
    };
    void loop();
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
