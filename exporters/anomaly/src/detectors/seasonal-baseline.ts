import { RobustHoltWinters } from './holt-winters';

export type Seasonality = 'none' | 'daily' | 'weekly';
export const SEASONALITIES: Seasonality[] = ['none', 'daily', 'weekly'];

const PERIOD_MS: Record<Seasonality, number> = { none: 0, daily: 86_400_000, weekly: 604_800_000 };
/** A period must hold a few samples to be a pattern at all. */
const MIN_STEPS_PER_PERIOD = 8;

/** The longest step at which a seasonality can be learnt; Infinity for none. */
export const longestStepFor = (seasonality: Seasonality): number =>
  PERIOD_MS[seasonality] > 0 ? PERIOD_MS[seasonality] / MIN_STEPS_PER_PERIOD : Infinity;
/** Caps a profile at 5-minute cells for a week, however fine the step. */
const MAX_SLOTS = 2016;
/** A longer period must beat the shorter one's error by this much to be chosen: prefer the simpler model. */
const MARGIN = 0.9;
/** Error averaging, per sample: long enough to span several periods of evidence. */
const ERROR_RATE = 0.002;

export interface BaselineSettings {
  /** 'auto' runs every candidate side by side and uses the one with the smallest recent error. */
  seasonality: Seasonality | 'auto';
}

/**
 * Expected value and robust scale of a series, with its seasonality (none, daily, weekly) chosen
 * automatically: one robust Holt-Winters model per candidate period learns from every sample, each
 * tracks its own recent absolute error, and the period whose model predicts best is used. A seasonal
 * candidate is eligible once it has seen two of its periods.
 */
export class SeasonalBaseline {
  private readonly models: {
    seasonality: Seasonality;
    periodMs: number;
    model: RobustHoltWinters;
    error: number;
  }[] = [];
  private stepMs = NaN;
  private lastT = NaN;
  private current = 0;

  constructor(settings: BaselineSettings, stepMs: number) {
    const candidates = settings.seasonality === 'auto' ? SEASONALITIES : [settings.seasonality];
    for (const seasonality of candidates) {
      const periodMs = PERIOD_MS[seasonality];
      if (stepMs > longestStepFor(seasonality)) continue;
      const slots = periodMs > 0 ? Math.min(MAX_SLOTS, Math.round(periodMs / stepMs)) : 0;
      const model = new RobustHoltWinters({
        periodMs,
        slots,
        alpha: 0.05,
        beta: 0.002,
        gamma: 0.25,
        scaleRate: 0.005,
      });
      this.models.push({ seasonality, periodMs, model, error: 0 });
    }
    if (this.models.length === 0)
      this.models.push({
        seasonality: 'none',
        periodMs: 0,
        model: new RobustHoltWinters({
          periodMs: 0,
          slots: 0,
          alpha: 0.05,
          beta: 0.002,
          gamma: 0,
          scaleRate: 0.005,
        }),
        error: 0,
      });
  }

  get seasonality(): Seasonality {
    return this.chosen().seasonality;
  }

  private chosen() {
    return this.models[this.current] as (typeof this.models)[number];
  }

  expected(timestampMs: number): number {
    return this.chosen().model.predict(timestampMs);
  }

  sigma(): number {
    return this.chosen().model.sigma();
  }

  update(timestampMs: number, value: number) {
    if (!Number.isNaN(this.lastT) && timestampMs > this.lastT) {
      const dt = timestampMs - this.lastT;
      this.stepMs = Number.isNaN(this.stepMs) ? dt : this.stepMs + 0.05 * (dt - this.stepMs);
    }
    this.lastT = timestampMs;
    let best = 0;
    // A plain loop: this runs for every sample of every series.
    for (let i = 0; i < this.models.length; i++) {
      const m = this.models[i] as (typeof this.models)[number];
      const residual = Math.abs(m.model.update(timestampMs, value));
      m.error += Math.max(1 / m.model.samples, ERROR_RATE) * (residual - m.error);
      const seenMs = m.model.samples * (Number.isNaN(this.stepMs) ? 0 : this.stepMs);
      const eligible = m.periodMs === 0 || seenMs >= 2 * m.periodMs;
      if (i > 0 && eligible && m.error < MARGIN * (this.models[best] as typeof m).error) best = i;
    }
    this.current = best;
  }

  /** False once values near ±Number.MAX_VALUE have overflowed a model's state or error. */
  finite(): boolean {
    for (const m of this.models) if (!m.model.finite() || !Number.isFinite(m.error)) return false;
    return true;
  }

  /** The expected value `horizonMs` after the last sample, extending the level's trend. */
  forecast(horizonMs: number): number {
    const m = this.chosen().model;
    const steps = Number.isNaN(this.stepMs) ? 0 : horizonMs / this.stepMs;
    return m.predict(this.lastT + horizonMs, steps);
  }

  /**
   * Seconds until the trend carries the deseasonalised level to `threshold` (from below or above), or
   * undefined when the trend is flat or heads away from it.
   */
  secondsUntil(threshold: number): number | undefined {
    const m = this.chosen().model;
    if (Number.isNaN(this.stepMs) || Number.isNaN(m.level)) return undefined;
    const gap = threshold - m.level;
    if (gap === 0) return 0;
    if (m.trend === 0 || Math.sign(gap) !== Math.sign(m.trend)) return undefined;
    return ((gap / m.trend) * this.stepMs) / 1000;
  }
}
