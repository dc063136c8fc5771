import type { HttpClientSettings, Logger } from '@vigil/service-kit';
import type { Config, QueryConfig } from './config';
import type { Assessment } from './detectors/detector';
import { createDetector } from './detectors';
import type { NoveltyDetector } from './detectors/novelty';
import { hangUp, PrometheusError, queryRange, type RangeSeries } from './prometheus';

/** The model of one source series and what it last said. */
export interface SeriesState {
  labels: Record<string, string>;
  detector: NoveltyDetector;
  lastSampleMs: number;
  last?: Assessment;
  /**
   * The highest score of the samples learnt by the latest pull that brought this series new samples (one per
   * step, or every step missed when a pull catches up after Prometheus was slow or down); a history pull
   * counts its latest sample only. It holds until the next such pull, whoever scrapes and however often.
   */
  maxScore?: number;
  /** The pull round maxScore belongs to. */
  maxRound?: number;
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
 * Two series of a query that differ only by __name__, which the exported series drop: they would be one
 * series twice on /metrics (and Prometheus keeps one). Refused as Prometheus refuses a rule whose result
 * has a label set twice; undefined when there is none.
 */
function nameClash(result: RangeSeries[]): string | undefined {
  const names = new Map<string, string>();
  for (const { labels } of result) {
    const { __name__: name = '', ...rest } = labels;
    const key = seriesKey(rest);
    const other = names.get(key);
    if (other !== undefined) {
      const shown = Object.entries(rest)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(', ');
      return `the query gives {${shown}} from two metrics (${other}, ${name}), which are one series once __name__ is dropped: give each metric its own query, or aggregate`;
    }
    names.set(key, name);
  }
  return undefined;
}

/**
 * Pulls each query's new samples from Prometheus every step and feeds them, in order, to the series'
 * models. The first pull of a query covers the configured history so that models start trained; later
 * pulls only cover what is new, so no model ever refits. When Prometheus cannot be reached, every model
 * keeps its state and the next pull picks up from where the last good one ended.
 */
export class Updater {
  queries: QueryState[];
  /** Whether the latest pull of every query succeeded. */
  up = false;
  lastRunSeconds = 0;
  /** Pull rounds finished (successful or not) since start. */
  rounds = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private started = false;
  private stopped = false;
  /** The settings of the pull under way (or the last), whose requests a stop ends. */
  private pulling: HttpClientSettings | undefined;
  /** A reload came during a pull: pull again as soon as it ends. */
  private again = false;

  constructor(
    private current: Config,
    private readonly log: Logger,
    readonly clock: Clock = Date.now,
  ) {
    this.queries = current.queries.map(newQuery);
  }

  /** The configuration in force. */
  get config(): Config {
    return this.current;
  }

  /**
   * Takes a new configuration at once; a pull under way finishes on the old one. A query of unchanged name
   * and expression keeps its models (and where its pulls got to) unless `step` or `model.*` changed, which
   * the models are built on: then every query starts again from its history. Anything else (thresholds,
   * horizons, the Prometheus URL and timeout, history, max_series_per_query) applies to the kept models.
   * Queries added or changed are pulled right away.
   */
  reconfigure(next: Config): void {
    const prev = this.current;
    const sameModels =
      next.stepMs === prev.stepMs && JSON.stringify(next.model) === JSON.stringify(prev.model);
    const before = new Map(this.queries.map((q) => [q.config.name, q]));
    this.queries = next.queries.map((config) => {
      const kept = before.get(config.name);
      if (!kept || !sameModels || kept.config.query !== config.query) return newQuery(config);
      kept.config = config;
      // A lower max_series_per_query: the series modelled last go.
      for (const key of [...kept.series.keys()].slice(next.maxSeriesPerQuery)) kept.series.delete(key);
      return kept;
    });
    this.current = next;
    this.kick();
  }

  /** One pull of every query. Never throws: failures are logged and reported as anomaly_up 0. */
  async runOnce(): Promise<void> {
    const started = performance.now();
    // A reload during the pull does not change it: it ends on what it began with.
    const config = this.current;
    const step = config.stepMs;
    const end = Math.floor(this.clock() / step) * step;
    const queries = this.queries;
    let ok = true;
    const round = this.rounds;
    this.pulling = config.prometheus.http;
    for (const q of queries) {
      if (this.stopped) return;
      // After an outage longer than the history, only the history is worth pulling.
      const start = Math.max(end - config.historyMs, (q.pulledUntilMs ?? -Infinity) + step);
      // A query's first pull is its history, learnt to train the models, not news to alert on.
      const history = q.pulledUntilMs === undefined;
      try {
        for (let from = start; from <= end; from += MAX_POINTS_PER_PULL * step) {
          const to = Math.min(end, from + (MAX_POINTS_PER_PULL - 1) * step);
          const result = await queryRange(
            config.prometheus.url,
            q.config.query,
            from,
            to,
            step,
            config.prometheus.http,
          );
          this.ingest(config, q, result, to, history ? undefined : round);
          q.pulledUntilMs = to;
        }
      } catch (err) {
        // Stopping cut the request short (see stop): not a failure of Prometheus.
        if (this.stopped) return;
        ok = false;
        const details = err instanceof PrometheusError ? err.details : {};
        this.log.warn({ query: q.config.name, err: (err as Error).message, ...details }, 'cannot pull query');
      }
    }
    this.up = ok;
    this.lastRunSeconds = (performance.now() - started) / 1000;
    this.rounds++;
  }

  /** Feeds new samples to the models; `round` is the pull's, undefined for a history pull (see maxScore). */
  private ingest(config: Config, q: QueryState, result: RangeSeries[], endMs: number, round?: number) {
    const clash = nameClash(result);
    if (clash) throw new Error(clash);
    let overLimit = 0;
    for (const { labels, samples } of result) {
      const key = seriesKey(labels);
      let state = q.series.get(key);
      if (!state) {
        if (q.series.size >= config.maxSeriesPerQuery) {
          overLimit++;
          continue;
        }
        state = {
          labels,
          detector: createDetector(config.stepMs, config.model),
          lastSampleMs: -Infinity,
        };
        q.series.set(key, state);
      }
      for (const [t, v] of samples) {
        if (t <= state.lastSampleMs) continue;
        const assessment = state.detector.update(t, v);
        state.last = assessment;
        state.lastSampleMs = t;
        if (round === undefined) state.maxScore = assessment.score;
        else if (state.maxRound !== round) {
          state.maxRound = round;
          state.maxScore = assessment.score;
        } else state.maxScore = Math.max(state.maxScore ?? 0, assessment.score);
      }
    }
    q.seriesOverLimit = overLimit;
    // A series gone for longer than the history would be retrained from scratch anyway: forget it.
    for (const [key, state] of q.series) {
      if (state.lastSampleMs < endMs - config.historyMs) q.series.delete(key);
    }
  }

  /** Pulls now and then every step, one pull at a time. */
  start() {
    this.started = true;
    void this.loop();
  }

  private async loop() {
    this.timer = undefined;
    this.running = this.runOnce();
    await this.running;
    this.running = undefined;
    if (this.stopped) return;
    if (this.again) {
      this.again = false;
      void this.loop();
    } else this.timer = setTimeout(() => void this.loop(), this.current.stepMs);
  }

  /** Pulls now (or right after the pull under way), rather than at the next step. */
  private kick() {
    if (!this.started || this.stopped) return;
    if (this.running) this.again = true;
    else {
      clearTimeout(this.timer);
      void this.loop();
    }
  }

  async stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    // A pull waiting on a Prometheus that does not answer would hold the stop for prometheus.timeout.
    if (this.pulling) hangUp(this.pulling);
    await this.running;
  }
}

function newQuery(config: QueryConfig): QueryState {
  return { config, series: new Map(), seriesOverLimit: 0 };
}
