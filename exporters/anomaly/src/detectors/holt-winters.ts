/**
 * Additive Holt-Winters (level, trend, one seasonal profile) with robust updates: residuals are clipped
 * at CLIP robust standard deviations before they move the state, so one spike neither drags the level
 * nor widens the bands for long. The seasonal profile has at most `slots` cells, indexed by the
 * timestamp's phase in the period, so memory is fixed whatever the scrape step.
 */
const CLIP = 4;
/** Mean absolute deviation to standard deviation, for Gaussian residuals. */
const MAD_TO_SIGMA = 1.2533;

export interface HoltWintersParams {
  /** 0 for no seasonality. */
  periodMs: number;
  slots: number;
  alpha: number;
  beta: number;
  gamma: number;
  /** Smoothing of the residual scale. */
  scaleRate: number;
}

export class RobustHoltWinters {
  level = NaN;
  /** Change of level per sample. */
  trend = 0;
  private readonly season: Float64Array;
  /** Mean absolute residual, exponentially weighted; a robust scale once multiplied by MAD_TO_SIGMA. */
  private absResidual = 0;
  samples = 0;

  constructor(private readonly p: HoltWintersParams) {
    this.season = new Float64Array(p.periodMs > 0 ? p.slots : 0).fill(NaN);
  }

  /** The last timestamp's slot: each sample asks for it up to three times (expected, predict, update). */
  private slotT = NaN;
  private slotK = 0;

  private slot(timestampMs: number): number {
    if (timestampMs === this.slotT) return this.slotK;
    // The phase by floor rather than %, which costs more on doubles; exact for whole milliseconds, so a sample
    // on a slot's boundary always falls in the same slot. Negative times included.
    const period = this.p.periodMs;
    const phase = timestampMs - Math.floor(timestampMs / period) * period;
    this.slotT = timestampMs;
    return (this.slotK = Math.floor((phase * this.p.slots) / period));
  }

  seasonal(timestampMs: number): number {
    if (this.season.length === 0) return 0;
    const s = this.season[this.slot(timestampMs)] as number;
    return Number.isNaN(s) ? 0 : s;
  }

  /** The expected value `steps` samples after the last one, at `timestampMs`. */
  predict(timestampMs: number, steps = 1): number {
    return this.level + steps * this.trend + this.seasonal(timestampMs);
  }

  sigma(): number {
    return MAD_TO_SIGMA * this.absResidual;
  }

  /**
   * False once values near ±Number.MAX_VALUE have overflowed the state to ±Infinity or NaN. A seasonal cell
   * is not checked (a check of every cell would cost O(slots)): an overflowed one reaches the scale when
   * its phase comes round.
   */
  finite(): boolean {
    return Number.isFinite(this.level) && Number.isFinite(this.trend) && Number.isFinite(this.absResidual);
  }

  /** Learns from one sample and returns its residual against the prediction made before it. */
  update(timestampMs: number, value: number): number {
    if (this.samples === 0) this.level = value;
    const residual = value - this.predict(timestampMs);
    const n = ++this.samples;
    const bound = CLIP * this.sigma();
    const clipped = n > 10 && bound > 0 ? Math.max(-bound, Math.min(bound, residual)) : residual;
    // Early on the plain mean, so the scale is usable after a few samples rather than 1/scaleRate.
    this.absResidual += Math.max(1 / n, this.p.scaleRate) * (Math.abs(clipped) - this.absResidual);
    const prevLevel = this.level;
    if (this.season.length > 0) {
      const k = this.slot(timestampMs);
      const s = this.season[k] as number;
      if (Number.isNaN(s)) {
        // First visit of this phase: the whole deviation from the level is seasonal.
        this.season[k] = value - this.level;
        return residual;
      }
      this.season[k] = s + this.p.gamma * (1 - this.p.alpha) * clipped;
    }
    this.level += this.trend + this.p.alpha * clipped;
    this.trend += this.p.beta * (this.level - prevLevel - this.trend);
    return residual;
  }
}
