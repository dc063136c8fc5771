import { Gauge, Registry } from 'prom-client';
import { renderGauge, type Sample } from './exposition';
import { exportedLabels } from './labels';
import { isCurrent, type Updater } from './updater';

const LATEST =
  'Models update every step from Prometheus; this is the assessment of the latest sample, not computed at scrape time.';

/** "1h", "1d", "90m": the horizon label, in the largest unit that divides it. */
export function formatHorizon(ms: number): string {
  for (const [unit, size] of [
    ['w', 604_800_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * The exporter's /metrics: per source series (its labels plus `query`) the expected value, bands, anomaly
 * score, forecasts and time to threshold; and the exporter's own health. Cardinality is bounded by
 * max_series_per_query for each configured query.
 */
export function createMetrics(updater: Updater) {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const up = gauge(
    'anomaly_up',
    'Whether the latest pull of every query from Prometheus succeeded (1) or not (0).',
  );
  const scrapeDuration = gauge('anomaly_scrape_duration_seconds', 'Time taken to build this scrape.');
  const updateDuration = gauge(
    'anomaly_update_duration_seconds',
    'Time the latest pull and model update of every query took.',
  );
  const seriesCount = gauge('anomaly_series', 'Series modelled per query.', ['query']);
  const overLimit = gauge(
    'anomaly_series_over_limit',
    'Series of the latest pull left unmodelled because the query matched more than max_series_per_query.',
    ['query'],
  );
  function perSeries(): string {
    // The configuration in force: a reload may have changed the horizons.
    const horizons = updater.config.horizonsMs.map((ms) => ({ ms, label: formatHorizon(ms) }));
    const families: Record<string, Sample[]> = {
      expected: [],
      upper: [],
      lower: [],
      score: [],
      scoreMax: [],
      modelScore: [],
      rangeUpper: [],
      rangeLower: [],
      forecast: [],
      untilThreshold: [],
      lastSample: [],
    };
    for (const q of updater.queries) {
      for (const state of q.series.values()) {
        const last = state.last;
        if (!last || !isCurrent(q, state, updater.config.stepMs)) continue;
        const labels = { query: q.config.name, ...exportedLabels(state.labels) };
        families.expected!.push({ labels, value: last.expected });
        families.upper!.push({ labels, value: last.upper });
        families.lower!.push({ labels, value: last.lower });
        families.score!.push({ labels, value: last.score });
        families.scoreMax!.push({ labels, value: state.maxScore ?? last.score });
        const why = state.detector.explain();
        for (const [model, value] of Object.entries(why.scores)) {
          families.modelScore!.push({ labels: { ...labels, model }, value });
        }
        // The range exists from the second sample on.
        if (Number.isFinite(why.rangeUpper)) {
          families.rangeUpper!.push({ labels, value: why.rangeUpper });
          families.rangeLower!.push({ labels, value: why.rangeLower });
        }
        families.lastSample!.push({ labels, value: state.lastSampleMs / 1000 });
        for (const h of horizons) {
          families.forecast!.push({
            labels: { ...labels, horizon: h.label },
            value: state.detector.baseline.forecast(h.ms),
          });
        }
        if (q.config.threshold !== undefined) {
          const seconds = state.detector.baseline.secondsUntil(q.config.threshold);
          if (seconds !== undefined) families.untilThreshold!.push({ labels, value: seconds });
        }
      }
    }
    return [
      renderGauge(
        'anomaly_expected_value',
        `Value the model expected for the latest sample. ${LATEST}`,
        families.expected!,
      ),
      renderGauge(
        'anomaly_upper_band',
        `Upper edge of the normal band around the expected value. ${LATEST}`,
        families.upper!,
      ),
      renderGauge(
        'anomaly_lower_band',
        `Lower edge of the normal band around the expected value. ${LATEST}`,
        families.lower!,
      ),
      renderGauge(
        'anomaly_score',
        `Anomaly score of the latest sample, 0 (ordinary) to 1, anomalous from 0.5; anomaly_model_score says which model gave it. ${LATEST}`,
        families.score!,
      ),
      renderGauge(
        'anomaly_score_max',
        'Highest anomaly score of the samples the latest pull learnt: one per step, or every step missed when a pull catches up after Prometheus was slow or down (a history pull at start counts its latest sample only). It holds until the next pull learns more, so every scraper sees it (an HA pair too) if it scrapes at least once per step. MetricAnomaly alerts on it.',
        families.scoreMax!,
      ),
      renderGauge(
        'anomaly_model_score',
        `Each member model's own score of the latest sample: model="range" (how far it left the range the series kept lately, anomaly_range_lower to _upper) or "residual" (how unusual the recent errors against anomaly_expected_value are for this series). anomaly_score is the higher one, held below 0.5 while an anomaly lasts (only its onset scores 0.5 or more). ${LATEST}`,
        families.modelScore!,
      ),
      renderGauge(
        'anomaly_range_upper',
        `Top of the range the series kept lately (extremes decaying over long_memory) that the latest sample was measured against: above it the range model scores. ${LATEST}`,
        families.rangeUpper!,
      ),
      renderGauge(
        'anomaly_range_lower',
        `Bottom of the range the series kept lately that the latest sample was measured against: below it the range model scores. ${LATEST}`,
        families.rangeLower!,
      ),
      renderGauge(
        'anomaly_forecast_value',
        `Forecast of the series at the horizon after the latest sample (level, trend and seasonality). ${LATEST}`,
        families.forecast!,
      ),
      renderGauge(
        'anomaly_forecast_threshold_seconds',
        `Seconds until the trend reaches the query's configured threshold; absent when it heads away from it. ${LATEST}`,
        families.untilThreshold!,
      ),
      renderGauge(
        'anomaly_last_sample_timestamp_seconds',
        'Timestamp of the latest sample the model learnt from, Unix seconds. A series with no new sample for 5 steps (at least 5 minutes) is no longer exported.',
        families.lastSample!,
      ),
    ].join('');
  }

  async function render(): Promise<string> {
    const started = performance.now();
    up.set(updater.up ? 1 : 0);
    updateDuration.set(updater.lastRunSeconds);
    // Reset first, so that a query a reload removed leaves no series behind.
    seriesCount.reset();
    overLimit.reset();
    for (const q of updater.queries) {
      seriesCount.set({ query: q.config.name }, q.series.size);
      overLimit.set({ query: q.config.name }, q.seriesOverLimit);
    }
    const series = perSeries();
    scrapeDuration.set((performance.now() - started) / 1000);
    return (await registry.metrics()) + series;
  }

  return { registry, render };
}
