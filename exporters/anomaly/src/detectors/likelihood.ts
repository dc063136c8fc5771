import { upperTail } from './normal';

/**
 * How unusual a member's recent surprise is for this series, after HTM's anomaly likelihood: the mean raw
 * surprise of the last `window` samples against the long-run mean and deviation of that same mean
 * (exponentially weighted over `memory` samples). The answer is the tail probability p on a log scale,
 * -log10(p) / 10 capped at 1, so 0.5 means p = 1e-5 whatever the member and the series.
 */
export class Likelihood {
  private readonly ring: Float64Array;
  private at = 0;
  private sum = 0;
  private seen = 0;
  private mean = 0;
  private variance = 0;

  constructor(
    window: number,
    private readonly memory: number,
    /** Least deviation assumed, so that a series that was perfectly quiet is not infinitely surprising. */
    private readonly floor: number,
  ) {
    this.ring = new Float64Array(window);
  }

  update(raw: number): number {
    this.sum += raw - (this.ring[this.at] as number);
    this.ring[this.at] = raw;
    if (++this.at === this.ring.length) this.at = 0;
    const n = ++this.seen;
    const avg = this.sum / Math.min(n, this.ring.length);
    const d = avg - this.mean;
    const sd = Math.sqrt(this.variance);
    const z = d / (sd > this.floor ? sd : this.floor);
    const rate = n < this.memory ? 1 / n : 1 / this.memory;
    this.mean += rate * d;
    this.variance += rate * (d * (avg - this.mean) - this.variance);
    // At or below the usual mean nothing is surprising: 0, and no transcendental functions for most samples.
    if (z <= 0) return 0;
    const p = upperTail(z);
    return p <= 1e-10 ? 1 : -Math.log10(p) / 10;
  }

  /** False once the state has overflowed to ±Infinity or NaN. */
  finite(): boolean {
    return Number.isFinite(this.sum) && Number.isFinite(this.mean) && Number.isFinite(this.variance);
  }
}
