/**
 * The range a series has lately kept to: its running maximum and minimum, each decaying towards a slow
 * moving centre with time constant `memoryMs`, so an extreme from months ago stops setting the bar.
 * Two numbers of state, O(1) per sample.
 */
export class DecayingRange {
  private hi = NaN;
  private lo = NaN;
  /** The edges the latest sample was measured against (NaN for the first). */
  lastHi = NaN;
  lastLo = NaN;
  private centre = NaN;
  private lastT = NaN;
  /** Decay factors of the last gap, reused while the step is regular: exp() dominates the update cost. */
  private lastDt = NaN;
  private decay = 0;
  private centreRate = 0;

  constructor(
    private readonly memoryMs: number,
    private readonly centreMemoryMs: number,
  ) {}

  /**
   * How far the value lies outside the range before it, as a fraction of the range's width (0 inside it;
   * Infinity outside a range of no width, a series that never varied), then widens the range to include it.
   */
  update(timestampMs: number, value: number): number {
    if (Number.isNaN(this.centre)) {
      this.hi = this.lo = this.centre = value;
      this.lastT = timestampMs;
      return 0;
    }
    const dt = Math.max(0, timestampMs - this.lastT);
    this.lastT = timestampMs;
    if (dt !== this.lastDt) {
      this.lastDt = dt;
      this.decay = 1 - Math.exp(-dt / this.memoryMs);
      this.centreRate = 1 - Math.exp(-dt / this.centreMemoryMs);
    }
    this.hi -= this.decay * (this.hi - this.centre);
    this.lo += this.decay * (this.centre - this.lo);
    this.lastHi = this.hi;
    this.lastLo = this.lo;
    const outside = Math.max(0, value - this.hi, this.lo - value);
    const excess = outside > 0 ? outside / (this.hi - this.lo) : 0;
    if (value > this.hi) this.hi = value;
    if (value < this.lo) this.lo = value;
    this.centre += this.centreRate * (value - this.centre);
    return excess;
  }

  /** False once values near ±Number.MAX_VALUE have overflowed the state to ±Infinity or NaN. */
  finite(): boolean {
    return Number.isFinite(this.hi) && Number.isFinite(this.lo) && Number.isFinite(this.centre);
  }
}
