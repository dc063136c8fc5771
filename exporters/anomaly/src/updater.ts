import type { HttpClientSettings, Logger } from '@vigil/service-kit';
import type { Config, QueryConfig } from './config';
import type { Assessment } from './detectors/detector';
import { createDetector } from './detectors';
import type { NoveltyDetector } from './detectors/novelty';
import { exportedLabels } from './labels';
import { hangUp, PrometheusError, queryRange, type RangeSeries } from './prometheus';

/** The model of one source series and what it last said. */
export interface SeriesState {
  labels: Record<string, string>;
  detector: NoveltyDetector;
  lastSampleMs: number;
  last?: Assessment;
  /**
   * The highest score of the samples learnt by the latest pull that brought this series new samples (one per
   * step, or every step missed when a pull catches up after Prometheus was slow or down); samples of the
   * query's history count the latest only. It holds until the next such pull, whoever scrapes and however
   * often.
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
  /**
   * End of the query's first pull, its history: samples up to it only train the models, even those a later
   * pull brings because the first stopped part way.
   */
  historyUntilMs?: number;
  /** Series left out because the query matched more than max_series_per_query. */
  seriesOverLimit: number;
}

export type Clock = () => number;

/** Prometheus refuses ranges of more than 11,000 points per series; pulls are split below that. */
const MAX_POINTS_PER_PULL = 10_000;
/** Queries pulled at once: a Prometheus that hangs delays a round by its timeout per this many queries. */
const CONCURRENT_PULLS = 4;

/**
 * Whether a series still brings samples: one that has had none for 5 steps, and at least Prometheus's
 * 5-minute lookback (within which a query still returns a series whose samples are late), has gone (its
 * pod replaced, say). Its model is kept until `history` should it come back, but its last assessment is no
 * longer exported, or an alert on it would fire for as long. Measured against the latest pull that worked,
 * so an outage of Prometheus hides nothing.
 */
export function isCurrent(q: QueryState, state: SeriesState, stepMs: number): boolean {
  return state.lastSampleMs > (q.pulledUntilMs ?? -Infinity) - Math.max(5 * stepMs, 300_000);
}

/** A stable identity for a label set, independent of key order. */
function seriesKey(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

const show = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;

/**
 * Two series of a query that would be one series on /metrics: they differ only by __name__, which the
 * exported series drop, or by label names that become one once made valid. Refused as Prometheus refuses a
 * rule whose result has a label set twice; undefined when there is none.
 */
function clash(result: RangeSeries[]): string | undefined {
  const seen = new Map<string, Record<string, string>>();
  for (const { labels } of result) {
    const exported = exportedLabels(labels);
    const key = seriesKey(exported);
    const other = seen.get(key);
    if (other === undefined) {
      seen.set(key, labels);
      continue;
    }
    const { __name__: name = '', ...rest } = labels;
    const { __name__: otherName = '', ...otherRest } = other;
    if (name !== otherName)
      return `the query gives ${show(rest)} from two metrics (${otherName}, ${name}), which are one series once __name__ is dropped: give each metric its own query, or aggregate`;
    return `the query gives ${show(otherRest)} and ${show(rest)}, which are one series, ${show(exported)}, once their label names are made valid: aggregate, or drop one of the labels`;
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
    const end = Math.floor(this.clock() / config.stepMs) * config.stepMs;
    const round = this.rounds;
    this.pulling = config.prometheus.http;
    const waiting = [...this.queries];
    let ok = true;
    const puller = async () => {
      for (let q = waiting.shift(); q && !this.stopped; q = waiting.shift()) {
        if (!(await this.pull(config, q, end, round))) ok = false;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENT_PULLS }, puller));
    if (this.stopped) return;
    this.up = ok;
    this.lastRunSeconds = (performance.now() - started) / 1000;
    this.rounds++;
  }

  /** Pulls one query's new samples up to `end`, in order; false when it failed (logged). */
  private async pull(config: Config, q: QueryState, end: number, round: number): Promise<boolean> {
    const step = config.stepMs;
    // After an outage longer than the history, only the history is worth pulling.
    const start = Math.max(end - config.historyMs, (q.pulledUntilMs ?? -Infinity) + step);
    const historyUntil = q.historyUntilMs ?? end;
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
        this.ingest(config, q, result, to, historyUntil, round);
        q.pulledUntilMs = to;
        q.historyUntilMs = historyUntil;
      }
      return true;
    } catch (err) {
      // Stopping cut the request short (see stop): not a failure of Prometheus, and the round is dropped.
      if (this.stopped) return true;
      // Said at once, not when the queries still waiting on a hanging Prometheus have timed out too.
      this.up = false;
      const details = err instanceof PrometheusError ? err.details : {};
      this.log.warn({ query: q.config.name, err: (err as Error).message, ...details }, 'cannot pull query');
      return false;
    }
  }

  /** Feeds new samples to the models; samples up to `historyUntil` only train them (see maxScore). */
  private ingest(
    config: Config,
    q: QueryState,
    result: RangeSeries[],
    endMs: number,
    historyUntil: number,
    round: number,
  ) {
    const refused = clash(result);
    if (refused) throw new Error(refused);
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
        if (t <= historyUntil) state.maxScore = assessment.score;
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
