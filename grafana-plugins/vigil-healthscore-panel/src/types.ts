import { MIXIN_HEALTH } from './health/mixin.generated';

/** The signals a health score is made of, in the order the breakdown lists them. */
export const SIGNALS = ['availability', 'latency', 'errors', 'saturation', 'dependency', 'anomaly'] as const;
export type Signal = (typeof SIGNALS)[number];

export const SIGNAL_TITLES: Record<Signal, string> = {
  availability: 'Availability',
  latency: 'Latency',
  errors: 'Errors',
  saturation: 'Saturation',
  dependency: 'Dependency impact',
  anomaly: 'Anomaly',
};

/**
 * How one signal turns into a 0-1 score: `good` scores 1, `bad` scores 0, linear in between, clamped.
 * `good` may be above `bad` (availability) or below it (error ratio, latency in seconds).
 */
export interface SignalOptions {
  weight: number;
  good: number;
  bad: number;
}

export type ScoreSource = 'recorded' | 'computed';

export interface HealthScoreOptions {
  /** recorded: the score series (vigil:service_health_score); computed: the panel scores the signals. */
  scoreSource: ScoreSource;
  /** The label that names the service on every series. */
  serviceLabel: string;
  signals: Record<Signal, SignalOptions>;
  /** A service whose newest sample is older than this (before the end of the time range) is stale. */
  staleAfterSeconds: number;
  /** Drill-down link; ${service} is the tile's service, dashboard variables are interpolated too. */
  drilldownUrl: string;
  minTileWidth: number;
  showSparkline: boolean;
}

/**
 * Defaults that reproduce rules/prometheus/health-score.rules.yml: its recorded signals
 * (vigil:service_health_signal:ratio) are already 0-1 with 1 good, with the same weights (both generated
 * from the mixin config, rules/src/mixin/config.ts). Dependency
 * impact (down dependencies) and anomaly (anomaly score) are shown in the breakdown but not weighted,
 * as in the recorded score.
 */
export const DEFAULT_SIGNALS: Record<Signal, SignalOptions> = {
  availability: { weight: MIXIN_HEALTH.weights.availability, good: 1, bad: 0 },
  latency: { weight: MIXIN_HEALTH.weights.latency, good: 1, bad: 0 },
  errors: { weight: MIXIN_HEALTH.weights.errors, good: 1, bad: 0 },
  saturation: { weight: MIXIN_HEALTH.weights.saturation, good: 1, bad: 0 },
  dependency: { weight: 0, good: 0, bad: 1 },
  anomaly: { weight: 0, good: 0, bad: 1 },
};

export const DEFAULT_OPTIONS: HealthScoreOptions = {
  scoreSource: 'recorded',
  serviceLabel: 'service',
  signals: DEFAULT_SIGNALS,
  staleAfterSeconds: 300,
  drilldownUrl: '/d/vigil-service?var-service=${service}&${__url_time_range}',
  minTileWidth: 150,
  showSparkline: true,
};
