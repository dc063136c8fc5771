import { DEFAULT_OPTIONS, DEFAULT_SIGNALS, type HealthScoreOptions } from '../types';
import { healthScore, optionProblems, signalScore } from './score';

describe('signalScore', () => {
  it('is linear from bad (0) to good (1), whichever is larger, and clamped', () => {
    const errors = { good: 0, bad: 0.05 };
    expect(signalScore(0, errors)).toBe(1);
    expect(signalScore(0.025, errors)).toBeCloseTo(0.5);
    expect(signalScore(0.2, errors)).toBe(0);
    const availability = { good: 1, bad: 0 };
    expect(signalScore(0.75, availability)).toBe(0.75);
    expect(signalScore(1.5, availability)).toBe(1);
  });

  it('scores nothing for NaN, infinities or equal thresholds', () => {
    expect(signalScore(NaN, { good: 1, bad: 0 })).toBeUndefined();
    expect(signalScore(Infinity, { good: 1, bad: 0 })).toBeUndefined();
    expect(signalScore(0.5, { good: 1, bad: 1 })).toBeUndefined();
  });
});

describe('healthScore', () => {
  it('is the weighted mean of the signals present, as the recording rule computes it', () => {
    // rules/prometheus/health-score.test.yml's arithmetic: weights 0.4, 0.25, 0.25, 0.1.
    const all = { availability: 1, latency: 0.5, errors: 0, saturation: 1 };
    expect(healthScore(all, DEFAULT_SIGNALS)).toBeCloseTo((100 * (0.4 + 0.125 + 0 + 0.1)) / 1);
    // A service with health checks only is scored on availability alone.
    expect(healthScore({ availability: 0.5 }, DEFAULT_SIGNALS)).toBeCloseTo(50);
  });

  it('leaves out signals weighted 0 and is undefined when nothing counts', () => {
    expect(healthScore({ availability: 1, anomaly: 0 }, DEFAULT_SIGNALS)).toBe(100);
    expect(healthScore({ anomaly: 0.2, dependency: 0 }, DEFAULT_SIGNALS)).toBeUndefined();
    expect(healthScore({}, DEFAULT_SIGNALS)).toBeUndefined();
  });
});

describe('optionProblems', () => {
  it('accepts the defaults', () => {
    expect(optionProblems(DEFAULT_OPTIONS)).toEqual([]);
  });

  it('names the option path of each problem', () => {
    const options: HealthScoreOptions = {
      ...DEFAULT_OPTIONS,
      scoreSource: 'computed',
      serviceLabel: ' ',
      // A cleared number input.
      minTileWidth: undefined as unknown as number,
      signals: {
        ...DEFAULT_SIGNALS,
        errors: { weight: -1, good: 0.05, bad: 0.05 },
        availability: { weight: 0, good: 1, bad: 0 },
        latency: { weight: 0, good: 1, bad: 0 },
        saturation: { weight: 0, good: 1, bad: 0 },
      },
    };
    expect(optionProblems(options)).toEqual([
      'serviceLabel: must name a label',
      'minTileWidth: must be a positive number; 150 meanwhile',
      'signals.errors.weight: must be 0 or more, not -1',
      'signals.errors: good and bad are both 0.05, so nothing can be scored',
      'signals: every weight is 0, so no score can be computed',
    ]);
  });
});
