import type { Assessment, Detector } from './detector';
import { upperTail } from './normal';

/**
 * The baseline: NAB's windowed Gaussian. Mean and standard deviation of the last `window` samples,
 * recomputed every `step` samples; the score is 1 minus the tail probability of the sample's distance
 * from the mean. Kept as the yardstick every bench run prints beside ours.
 */
export class WindowedGaussian implements Detector {
  private readonly ring: Float64Array;
  private count = 0;
  private mean = 0;
  private std = 0;

  constructor(
    window = 6400,
    private readonly step = 100,
  ) {
    this.ring = new Float64Array(window);
  }

  update(_timestampMs: number, value: number): Assessment {
    const out: Assessment = {
      expected: this.mean,
      lower: this.mean - 3 * this.std,
      upper: this.mean + 3 * this.std,
      score: this.std > 0 ? 1 - upperTail(Math.abs(value - this.mean) / this.std) : 0,
    };
    this.ring[this.count % this.ring.length] = value;
    this.count++;
    if (this.count % this.step === 0) this.refresh();
    return out;
  }

  /** Two passes over the window rather than running sums, which lose precision on large values. */
  private refresh() {
    const n = Math.min(this.count, this.ring.length);
    let sum = 0;
    for (let i = 0; i < n; i++) sum += this.ring[i] as number;
    const mean = sum / n;
    let sq = 0;
    for (let i = 0; i < n; i++) sq += ((this.ring[i] as number) - mean) ** 2;
    this.mean = mean;
    this.std = Math.sqrt(sq / n);
  }
}
