import { DecayingRange } from '../src/detectors/decaying-range';
import { createDetector } from '../src/detectors';
import { Likelihood } from '../src/detectors/likelihood';
import { THRESHOLD } from '../src/detectors/novelty';
import { SeasonalBaseline } from '../src/detectors/seasonal-baseline';
import { WindowedGaussian } from '../src/detectors/windowed-gaussian';

const STEP = 300_000; // 5 minutes
const DAY = 86_400_000;

/** Deterministic noise in [-1, 1) (a linear congruential generator), so tests never flake. */
function noise(seed = 1) {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  };
}

describe('DecayingRange', () => {
  it('scores a value by how far it leaves the range, as a fraction of the range', () => {
    const r = new DecayingRange(Infinity, Infinity);
    r.update(0, 0);
    r.update(1, 10);
    expect(r.update(2, 5)).toBe(0);
    expect(r.update(3, 15)).toBeCloseTo(0.5);
    expect(r.update(4, 15)).toBe(0); // the range now includes 15
  });

  it('puts a value off a range of no width (a series that never varied) infinitely far out, and the same value nowhere', () => {
    const r = new DecayingRange(DAY, DAY);
    r.update(0, 1);
    expect(r.update(1, 1)).toBe(0);
    expect(r.update(2, 0)).toBe(Infinity);
  });

  it('forgets an old extreme over its memory', () => {
    const r = new DecayingRange(DAY, Infinity);
    r.update(0, 0);
    r.update(1, 100);
    r.update(2, 0);
    // Five memory constants later the bar has decayed from 100 to under 1.
    expect(r.update(5 * DAY, 50)).toBeGreaterThan(10);
  });
});

describe('SeasonalBaseline', () => {
  it('detects daily seasonality and predicts the daily shape', () => {
    const rnd = noise();
    const b = new SeasonalBaseline({ seasonality: 'auto' }, STEP);
    const daily = (t: number) => 100 + 50 * Math.sin((2 * Math.PI * t) / DAY);
    for (let t = 0; t < 4 * DAY; t += STEP) b.update(t, daily(t) + rnd());
    expect(b.seasonality).toBe('daily');
    const t = 4 * DAY + DAY / 4; // a daily peak
    expect(b.expected(t)).toBeCloseTo(daily(t), -1);
    expect(b.sigma()).toBeLessThan(5);
  });

  it('keeps to no seasonality for noise', () => {
    const rnd = noise(7);
    const b = new SeasonalBaseline({ seasonality: 'auto' }, STEP);
    for (let t = 0; t < 4 * DAY; t += STEP) b.update(t, 20 + 5 * rnd());
    expect(b.seasonality).toBe('none');
    expect(b.expected(4 * DAY)).toBeCloseTo(20, 0);
  });

  it('extrapolates a trend for forecasts and the time to a threshold', () => {
    const b = new SeasonalBaseline({ seasonality: 'none' }, STEP);
    // Grows 1 per step, i.e. 12 per hour.
    for (let i = 0; i < 6000; i++) b.update(i * STEP, i);
    expect(b.forecast(3_600_000)).toBeCloseTo(5999 + 12, -1);
    expect(b.secondsUntil(5999 + 120)! / 3600).toBeCloseTo(10, 0);
    expect(b.secondsUntil(0)).toBeUndefined();
  });
});

describe('Likelihood', () => {
  it('scores a surprise that stays usual near 0 and one that grows against its history towards 1', () => {
    const rnd = noise(5);
    const l = new Likelihood(10, 1000, 0.05);
    let usual = 0;
    // The first samples set the history (the detector's warm-up does not score them).
    for (let i = 0; i < 100; i++) l.update(1 + 0.2 * rnd());
    for (let i = 0; i < 2000; i++) usual = Math.max(usual, l.update(1 + 0.2 * rnd()));
    expect(usual).toBeLessThan(0.3);
    let raised = 0;
    for (let i = 0; i < 10; i++) raised = l.update(3);
    // 10 samples at 3 against a mean of 1 deviating by about 0.04: far past p = 1e-10, capped at 1.
    expect(raised).toBe(1);
  });

  it('answers -log10(p) / 10 for the tail probability p of the recent mean', () => {
    const l = new Likelihood(1, 1000, 1);
    for (let i = 0; i < 100; i++) l.update(0); // mean 0, deviation at its floor of 1
    // z = 3: p = 0.0013499, -log10(p) / 10 = 0.28697
    expect(l.update(3)).toBeCloseTo(0.28697, 4);
  });
});

describe('NoveltyDetector', () => {
  it('scores ordinary samples near 0 and a new extreme above 0.5 on the range model, within bands from the baseline', () => {
    const rnd = noise(3);
    const d = createDetector(STEP);
    let maxOrdinary = 0;
    let t = 0;
    for (; t < 3 * DAY; t += STEP) {
      const a = d.update(t, 50 + 10 * rnd());
      if (t > DAY) {
        maxOrdinary = Math.max(maxOrdinary, a.score);
        expect(a.lower).toBeLessThan(a.expected);
        expect(a.upper).toBeGreaterThan(a.expected);
      }
    }
    expect(maxOrdinary).toBeLessThan(THRESHOLD);
    const spike = d.update(t, 90);
    expect(spike.score).toBeGreaterThan(THRESHOLD);
    expect(spike.score).toBeLessThanOrEqual(1);
    expect(spike.upper).toBeLessThan(90);
    // The reason: the range model, the sample far above the range it was measured against.
    const why = d.explain();
    expect(why).toMatchObject({ model: 'range', scores: { range: spike.score } });
    expect(why.rangeUpper).toBeLessThan(61);
    expect(why.rangeLower).toBeGreaterThan(39);
  });

  it('scores an onset only: held below the threshold while the models stay above it, and refractorySamples after', () => {
    const rnd = noise(4);
    const d = createDetector(STEP);
    let t = 0;
    const step = (value: number) => {
      t += STEP;
      return d.update(t, value);
    };
    for (let i = 0; i < 900; i++) step(50 + 10 * rnd());
    expect(step(200).score).toBeGreaterThan(THRESHOLD);
    // A second, higher spike soon after is a new extreme to the range model, but the score is held.
    step(50);
    const second = step(400);
    expect(d.explain().scores.range).toBeGreaterThan(THRESHOLD);
    expect(second.score).toBeLessThan(THRESHOLD);
    // Once the models have been quiet for refractorySamples, a new anomaly scores again.
    for (let i = 0; i < 200; i++) expect(step(50 + 10 * rnd()).score).toBeLessThan(THRESHOLD);
    expect(step(800).score).toBeGreaterThan(THRESHOLD);
  });

  it('sees a missing daily peak that stays inside the range on the residual model', () => {
    const rnd = noise(6);
    const d = createDetector(STEP);
    const daily = (t: number) => 100 + 50 * Math.sin((2 * Math.PI * t) / DAY);
    let t = 0;
    for (; t < 10 * DAY; t += STEP) d.update(t, daily(t) + rnd());
    // The series goes flat at its mean for half a day: never outside the range it kept.
    let top = { score: 0, model: '' };
    for (const end = t + DAY / 2; t < end; t += STEP) {
      const a = d.update(t, 100 + rnd());
      if (a.score > top.score) top = { score: a.score, model: d.explain().model };
    }
    expect(top.score).toBeGreaterThan(THRESHOLD);
    expect(top.model).toBe('residual');
  });
  it('scores a constant series 0, and its first change 1 on both models: `up` going from 1 to 0 alerts at once', () => {
    const d = createDetector(STEP);
    let t = 0;
    for (; t < 100 * STEP; t += STEP) expect(d.update(t, 1).score).toBe(0);
    expect(d.explain().scores).toEqual({ range: 0, residual: 0 });
    expect(d.update(t, 0).score).toBe(1);
    expect(d.explain().scores).toEqual({ range: 1, residual: 1 });
  });

  it('starts afresh when values near the largest double overflow its state, and detects again after', () => {
    const rnd = noise(8);
    const d = createDetector(STEP);
    let t = 0;
    const step = (value: number) => d.update((t += STEP), value);
    // Its first samples: before the residuals are clipped, they overflow the models to NaN.
    for (let i = 0; i < 10; i++) step(i % 2 === 0 ? 1.7e308 : -1.7e308);
    let a = step(50);
    for (let i = 0; i < 300; i++) a = step(50 + 10 * rnd());
    expect(a.expected).toBeCloseTo(50, -1);
    expect(a.score).toBeLessThan(THRESHOLD);
    expect(step(200).score).toBeGreaterThan(THRESHOLD);
  });
});

describe('WindowedGaussian (the baseline)', () => {
  it('scores by the tail probability under the window mean and deviation', () => {
    const d = new WindowedGaussian(100, 10);
    for (let i = 0; i < 100; i++) d.update(i, i % 2 === 0 ? -1 : 1); // mean 0, deviation 1
    // NAB's form: 1 - P(Z > |z|), so a sample at the mean scores 0.5.
    expect(d.update(100, 0).score).toBeCloseTo(0.5, 6);
    expect(d.update(101, 2).score).toBeCloseTo(1 - 0.02275, 4);
  });
});
