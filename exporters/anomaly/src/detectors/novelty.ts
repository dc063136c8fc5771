import type { Assessment, Detector } from './detector';
import { DecayingRange } from './decaying-range';
import { SeasonalBaseline, type BaselineSettings } from './seasonal-baseline';

const DAY_MS = 86_400_000;

export interface NoveltySettings extends BaselineSettings {
  /** Band half-width in robust standard deviations. */
  bandSigmas: number;
  /** How long an extreme keeps setting the bar on the long and the short time scale. */
  longMemoryMs: number;
  shortMemoryMs: number;
  /** Weight of a short-scale excursion relative to a long-scale one of the same size. */
  shortWeight: number;
  /** Raw excess (fraction of the range) that scores 0.5. */
  halfScoreExcess: number;
  /** Samples to see before scoring at all. */
  warmupSamples: number;
}

export const DEFAULT_NOVELTY: NoveltySettings = {
  seasonality: 'auto',
  bandSigmas: 3,
  longMemoryMs: 60 * DAY_MS,
  shortMemoryMs: 7 * DAY_MS,
  shortWeight: 0.1,
  halfScoreExcess: 0.025,
  warmupSamples: 50,
};

/**
 * The detector the exporter runs, chosen on the NAB corpus. Its score asks whether the series has left
 * the range it has kept lately: excursions beyond the extremes of the last couple of months score
 * highest, beyond those of the last week a tenth as much. On NAB this beats residual z-scores by a wide
 * margin, because a new extreme is rare (few false positives) and happens at the start of an incident
 * (early detection), and a spike that is merely large for the time of day stays quiet. The expected value
 * and bands come from a robust seasonal baseline, for dashboards and forecasts.
 */
export class NoveltyDetector implements Detector {
  readonly baseline: SeasonalBaseline;
  private readonly long: DecayingRange;
  private readonly short: DecayingRange;
  private samples = 0;

  constructor(
    stepMs: number,
    private readonly s: NoveltySettings = DEFAULT_NOVELTY,
  ) {
    this.baseline = new SeasonalBaseline(s, stepMs);
    // The range's centre follows the series over a few days: slower than the data, faster than the bar.
    this.long = new DecayingRange(s.longMemoryMs, 3.5 * DAY_MS);
    this.short = new DecayingRange(s.shortMemoryMs, 3.5 * DAY_MS);
  }

  update(timestampMs: number, value: number): Assessment {
    const expected = this.baseline.expected(timestampMs);
    const band = this.s.bandSigmas * this.baseline.sigma();
    const excess = Math.max(
      this.long.update(timestampMs, value),
      this.s.shortWeight * this.short.update(timestampMs, value),
    );
    this.baseline.update(timestampMs, value);
    const scored = ++this.samples > this.s.warmupSamples;
    return {
      expected,
      lower: expected - band,
      upper: expected + band,
      score: scored ? excess / (excess + this.s.halfScoreExcess) : 0,
    };
  }
}
