import { FieldType, type DataFrame, type Field } from '@grafana/data';
import { SIGNALS, type HealthScoreOptions, type Signal } from '../types';
import { healthScore, signalScore } from './score';

/** ok: a current score; nodata: the newest value is NaN or no signal counts; stale: no recent sample. */
export type HealthState = 'ok' | 'nodata' | 'stale';

export interface ServiceHealth {
  service: string;
  /** 0-100, present only when state is ok. */
  score?: number;
  state: HealthState;
  /** Time of the newest sample, ms since the epoch. */
  lastSeen?: number;
  /** The score over the time range, oldest first; null or NaN where it is unknown. */
  trend: { times: ArrayLike<number>; values: ArrayLike<Sample> };
  /** The newest 0-1 score of each signal the service has. */
  signals: Partial<Record<Signal, number>>;
  /**
   * The newest measured value behind a signal's score (an error ratio, seconds of latency), with the
   * field it came from (its unit, if set, formats it): from a `raw_<signal>` query, or, when the panel
   * computes the score from raw series, the signal's own series.
   */
  raw: Partial<Record<Signal, RawValue>>;
  /**
   * The field whose data links the breakdown shows, with its newest row: the score's; computed, the first
   * signal's (every field of a panel carries the standard data links).
   */
  linkSource?: { field: Field; rowIndex: number };
  /** The refIds of the queries that gave it a score, when more than one did (one hides the other). */
  scoreQueries?: string[];
}

export interface RawValue {
  value: number;
  field: Field;
}

/** A sample as a frame holds it: a number, or null for a gap. */
export type Sample = number | null | undefined;

interface Series {
  times: ArrayLike<number>;
  values: ArrayLike<Sample>;
  field: Field;
}

interface ServiceSeries {
  score?: Series;
  /** The refIds of the queries whose series were taken for the score (the last one is). */
  scoreRefIds: Set<string>;
  signals: Partial<Record<Signal, Series>>;
  raw: Partial<Record<Signal, Series>>;
}

const isSignal = (name: string | undefined): name is Signal => SIGNALS.includes(name as Signal);

/** The query refId that marks a series as the raw value of a signal: `raw_errors`, `raw_latency`, … */
export const RAW_PREFIX = 'raw_';

/**
 * A series is a signal by its `signal` label (vigil:service_health_signal:ratio) or, lacking one, by
 * its query's refId (a query with refId "dependency" or "anomaly"); a query with refId `raw_<signal>`
 * gives that signal's raw value; any other series is the score.
 */
function collect(frames: DataFrame[], serviceLabel: string): Map<string, ServiceSeries> {
  const services = new Map<string, ServiceSeries>();
  for (const frame of frames) {
    const time = frame.fields.find((f) => f.type === FieldType.time);
    if (!time) continue;
    for (const field of frame.fields) {
      if (field.type !== FieldType.number) continue;
      const service = field.labels?.[serviceLabel];
      if (!service) continue;
      const entry = services.get(service) ?? { signals: {}, raw: {}, scoreRefIds: new Set<string>() };
      services.set(service, entry);
      // The frame's own arrays, not copies: with thousands of series, copying is most of the work.
      const series: Series = { times: time.values, values: field.values, field };
      const raw = frame.refId?.startsWith(RAW_PREFIX) ? frame.refId.slice(RAW_PREFIX.length) : undefined;
      const signal = field.labels?.signal ?? frame.refId;
      if (isSignal(raw)) entry.raw[raw] = series;
      else if (isSignal(signal)) entry.signals[signal] = series;
      else {
        entry.score = series;
        entry.scoreRefIds.add(frame.refId ?? '');
      }
    }
  }
  return services;
}

/**
 * Grafana ends a range query on a multiple of its step: on a long range (a step of 10 minutes for 7 days)
 * the newest sample is up to one step older than the range's end without anything being stale. The step
 * is the query's, the same for every service: the interval Grafana's Prometheus datasource puts on each
 * frame's time field, else the smallest gap between two samples of any series (one service's own gaps, or
 * its single sample, would allow it more, or less, than the others).
 */
function queryStep(frames: DataFrame[]): number {
  let step = 0;
  let gap = Infinity;
  for (const frame of frames) {
    const time = frame.fields.find((f) => f.type === FieldType.time);
    if (!time) continue;
    const interval = time.config.interval;
    if (typeof interval === 'number' && interval > 0) step = Math.max(step, interval);
    for (let i = 1; i < time.values.length; i++) {
      const d = (time.values[i] as number) - (time.values[i - 1] as number);
      if (d > 0 && d < gap) gap = d;
    }
  }
  return step || (Number.isFinite(gap) ? gap : 0);
}

/** A sample's number; NaN for a gap, so that every later step deals with one kind of missing. */
const toNumber = (sample: Sample): number => (typeof sample === 'number' ? sample : NaN);

/** The newest finite value of a series as a signal score. */
function latestSignalScore(series: Series, signal: Signal, options: HealthScoreOptions): number | undefined {
  for (let i = series.values.length - 1; i >= 0; i--) {
    const score = signalScore(toNumber(series.values[i]), options.signals[signal]);
    if (score !== undefined) return score;
  }
  return undefined;
}

/** The newest finite value of a series. */
function latestValue(series: Series): RawValue | undefined {
  for (let i = series.values.length - 1; i >= 0; i--) {
    const value = toNumber(series.values[i]);
    if (Number.isFinite(value)) return { value, field: series.field };
  }
  return undefined;
}

/**
 * Whether a signal's own series is already its 0-1 score (good 1, bad 0, as the recorded signals are), so
 * that its values tell nothing more than the score does.
 */
const isScore = ({ good, bad }: { good: number; bad: number }) => good === 1 && bad === 0;

/** The score at every time any signal has a sample, from the signals sampled at that time. */
function computedTrend(signals: ServiceSeries['signals'], options: HealthScoreOptions): [number[], number[]] {
  const byTime = new Map<number, Partial<Record<Signal, number>>>();
  for (const signal of SIGNALS) {
    const series = signals[signal];
    if (!series) continue;
    for (let i = 0; i < series.times.length; i++) {
      const t = series.times[i]!;
      const scores = byTime.get(t) ?? {};
      byTime.set(t, scores);
      const score = signalScore(toNumber(series.values[i]), options.signals[signal]);
      if (score !== undefined) scores[signal] = score;
    }
  }
  const times = [...byTime.keys()].sort((a, b) => a - b);
  return [times, times.map((t) => healthScore(byTime.get(t)!, options.signals) ?? NaN)];
}

function stateOf(lastSeen: number | undefined, current: number, staleBefore: number): HealthState {
  if (lastSeen === undefined) return 'nodata';
  if (lastSeen < staleBefore) return 'stale';
  return Number.isFinite(current) ? 'ok' : 'nodata';
}

function health(
  service: string,
  series: ServiceSeries,
  options: HealthScoreOptions,
  now: number,
  step: number,
): ServiceHealth {
  const signals: ServiceHealth['signals'] = {};
  const raw: ServiceHealth['raw'] = {};
  for (const signal of SIGNALS) {
    const s = series.signals[signal];
    const score = s && latestSignalScore(s, signal, options);
    if (score !== undefined) signals[signal] = score;
    const rawSeries =
      series.raw[signal] ??
      (options.scoreSource === 'computed' && !isScore(options.signals[signal]) ? s : undefined);
    const value = rawSeries && latestValue(rawSeries);
    if (value) raw[signal] = value;
  }
  let times: ArrayLike<number>;
  let values: ArrayLike<Sample>;
  if (options.scoreSource === 'recorded') {
    times = series.score?.times ?? [];
    values = series.score?.values ?? [];
  } else [times, values] = computedTrend(series.signals, options);

  const last = times.length - 1;
  const lastSeen = last >= 0 ? times[last] : undefined;
  const current = last >= 0 ? toNumber(values[last]) : NaN;
  const state = stateOf(lastSeen, current, now - options.staleAfterSeconds * 1000 - step);
  const linked =
    options.scoreSource === 'recorded' ? series.score : SIGNALS.map((g) => series.signals[g]).find(Boolean);
  return {
    service,
    ...(state === 'ok' && { score: Math.min(100, Math.max(0, current)) }),
    state,
    lastSeen,
    trend: { times, values },
    signals,
    raw,
    ...(linked &&
      linked.times.length > 0 && { linkSource: { field: linked.field, rowIndex: linked.times.length - 1 } }),
    ...(series.scoreRefIds.size > 1 && { scoreQueries: [...series.scoreRefIds].sort() }),
  };
}

/**
 * Services that more than one query gives a score: one hides the other (a second query left on refId C
 * instead of `dependency` reads as the score), so each is named, with the refIds.
 */
export function scoreConflicts(services: ServiceHealth[]): string[] {
  return services.flatMap(({ service, scoreQueries }) =>
    scoreQueries
      ? [
          `queries ${scoreQueries.join(' and ')} both give ${service} a score: give the extra one a signal's refId (dependency, anomaly, raw_<signal>)`,
        ]
      : [],
  );
}

/**
 * Every service in the frames with its current score, worst first: services whose score is unknown
 * (no data, stale) lead, since a service that stopped reporting needs a look as much as a failing one;
 * then ascending score; ties by name.
 */
export function servicesFromFrames(
  frames: DataFrame[],
  options: HealthScoreOptions,
  now: number,
): ServiceHealth[] {
  const step = queryStep(frames);
  const services = [...collect(frames, options.serviceLabel)].map(([name, series]) =>
    health(name, series, options, now, step),
  );
  const rank = (s: ServiceHealth) => s.score ?? -1;
  return services.sort((a, b) => rank(a) - rank(b) || a.service.localeCompare(b.service));
}
