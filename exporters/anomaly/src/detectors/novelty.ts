import type { Assessment, Detector, Explanation, ModelName } from './detector';
import { DecayingRange } from './decaying-range';
import { Likelihood } from './likelihood';
import { SeasonalBaseline, type BaselineSettings } from './seasonal-baseline';

const DAY_MS = 86_400_000;

/** The score at and above which a sample is anomalous: one threshold for every member and series. */
export const THRESHOLD = 0.5;
/**
 * What the score is held to while a detection is recent: HTM's "yellow" level (a tail probability of 1e-3
 * on the residual member's scale), below THRESHOLD.
 */
const HELD_SCORE = 0.3;

export interface NoveltySettings extends BaselineSettings {
  /** Band half-width in robust standard deviations. */
  bandSigmas: number;
  /** How long an extreme keeps setting the bar on the long and the short time scale. */
  longMemoryMs: number;
  shortMemoryMs: number;
  /** Weight of a short-scale excursion relative to a long-scale one of the same size. */
  shortWeight: number;
  /** Raw excess (fraction of the range) that scores 0.5, THRESHOLD, on the range member. */
  halfScoreExcess: number;
  /** Recent samples whose mean residual the residual member compares with the series' usual one. */
  likelihoodWindow: number;
  /** Samples over which that usual mean and its deviation are learnt. */
  likelihoodMemory: number;
  /**
   * The score is held below THRESHOLD while the members keep scoring at or above it, and for this many
   * samples after they fall below: an incident scores high at its onset only.
   */
  refractorySamples: number;
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
  likelihoodWindow: 20,
  likelihoodMemory: 2000,
  refractorySamples: 10,
  warmupSamples: 50,
};

/**
 * The detector the exporter runs: two members that fail differently, each scored on [0, 1] with
 * THRESHOLD meaning "anomalous", and the higher one taken.
 *
 * - range: how far the sample leaves the range the series kept lately (extremes decaying over two months,
 *   and over a week at a tenth of the weight). A new extreme is rare, so this member has few false
 *   positives, and it fires at the start of an incident.
 * - residual: HTM's anomaly likelihood over the prediction errors of a robust seasonal baseline (the same
 *   model whose expected value and bands the exporter shows): the mean of the last samples'
 *   log(1 + |error| / sigma) against the long-run mean and deviation of that mean, as a tail probability
 *   on a log scale (0.5 is p = 1e-5). It sees what stays inside the range: a missing daily peak, a level
 *   that drifts, noise that grows.
 *
 * While the members keep scoring at or above the threshold, and for `refractorySamples` after, the score is
 * held below it, as HTM filters consecutive red likelihoods: an incident alerts at its onset, not at every
 * sample of it, and a new anomaly alerts again once the last has ended.
 */
export class NoveltyDetector implements Detector {
  // Set by start().
  baseline!: SeasonalBaseline;
  private long!: DecayingRange;
  private short!: DecayingRange;
  private likelihood!: Likelihood;
  private samples!: number;
  /** Samples since the members last scored at or above THRESHOLD. */
  private sinceAnomalous!: number;
  /** The members' scores of the latest sample, kept as numbers: an object per sample would cost GC time. */
  private rangeScore = 0;
  private residualScore = 0;

  constructor(
    private readonly stepMs: number,
    private readonly s: NoveltySettings = DEFAULT_NOVELTY,
  ) {
    this.start();
  }

  /**
   * A new state: at first, and again once values near ±Number.MAX_VALUE have overflowed the old one to
   * ±Infinity and then NaN, from which it would never come back.
   */
  private start() {
    const { s } = this;
    this.baseline = new SeasonalBaseline(s, this.stepMs);
    // The range's centre follows the series over a few days: slower than the data, faster than the bar.
    this.long = new DecayingRange(s.longMemoryMs, 3.5 * DAY_MS);
    this.short = new DecayingRange(s.shortMemoryMs, 3.5 * DAY_MS);
    // A deviation floor of 0.05 (in log(1 + z) units): a series that was perfectly predictable so far is
    // not infinitely surprised by its first small error.
    this.likelihood = new Likelihood(s.likelihoodWindow, s.likelihoodMemory, 0.05);
    this.samples = 0;
    this.sinceAnomalous = Infinity;
  }

  update(timestampMs: number, value: number): Assessment {
    const expected = this.baseline.expected(timestampMs);
    const sigma = this.baseline.sigma();
    const band = this.s.bandSigmas * sigma;
    const excess = Math.max(
      this.long.update(timestampMs, value),
      this.s.shortWeight * this.short.update(timestampMs, value),
    );
    this.baseline.update(timestampMs, value);
    const error = Math.abs(value - expected);
    const z = sigma > 0 ? error / sigma : 0;
    const surprise = this.likelihood.update(Math.log1p(z));
    // Off a series that never varied (sigma and the range's width 0), any change is as anomalous as can
    // be: 1, so that `up` going to 0 alerts at its first sample. (The first sample has no expected value:
    // error NaN.)
    const changed = sigma === 0 && error > 0;
    const range = (this.rangeScore = excess === Infinity ? 1 : excess / (excess + this.s.halfScoreExcess));
    const residual = (this.residualScore = changed ? 1 : surprise);
    const raw = ++this.samples > this.s.warmupSamples ? Math.max(range, residual) : 0;
    // Only an onset scores at or above the threshold: the first such sample after refractorySamples below it.
    const score = this.sinceAnomalous < this.s.refractorySamples ? Math.min(raw, HELD_SCORE) : raw;
    this.sinceAnomalous = raw >= THRESHOLD ? 0 : this.sinceAnomalous + 1;
    if (!(this.baseline.finite() && this.long.finite() && this.short.finite() && this.likelihood.finite()))
      this.start();
    return { expected, lower: expected - band, upper: expected + band, score };
  }

  /** Why the latest sample scored as it did: which member, each member's score, the range measured against. */
  explain(): Explanation {
    const model: ModelName = this.residualScore > this.rangeScore ? 'residual' : 'range';
    return {
      model,
      scores: { range: this.rangeScore, residual: this.residualScore },
      rangeLower: this.long.lastLo,
      rangeUpper: this.long.lastHi,
    };
  }
}
