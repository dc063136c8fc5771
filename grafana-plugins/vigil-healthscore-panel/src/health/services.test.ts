import { FieldType, toDataFrame } from '@grafana/data';
import { DEFAULT_OPTIONS, type HealthScoreOptions } from '../types';
import { promSeries } from './frames.testing';
import { scoreConflicts, servicesFromFrames } from './services';

const NOW = 1_700_000_000_000;
const MIN = 60_000;
const score = (service: string, values: Array<number | null>, end = NOW) =>
  promSeries(
    'A',
    { __name__: 'vigil:service_health_score', service },
    values.map((v, i) => [end - (values.length - 1 - i) * MIN, v]),
  );
const signal = (service: string, name: string, value: number, refId = 'B') =>
  promSeries(refId, { __name__: 'vigil:service_health_signal:ratio', service, signal: name }, [[NOW, value]]);

describe('servicesFromFrames, recorded scores', () => {
  it('lists every service worst first with its current score, trend and breakdown', () => {
    const frames = [
      score('web', [90, 95]),
      score('db', [80, 40]),
      score('api', [70, 70]),
      signal('db', 'availability', 0.5),
      signal('db', 'errors', 0.25),
    ];
    const services = servicesFromFrames(frames, DEFAULT_OPTIONS, NOW);
    expect(services.map((s) => [s.service, s.score, s.state])).toEqual([
      ['db', 40, 'ok'],
      ['api', 70, 'ok'],
      ['web', 95, 'ok'],
    ]);
    expect(services[0]!.trend).toEqual({ times: [NOW - MIN, NOW], values: [80, 40] });
    expect(services[0]!.signals).toEqual({ availability: 0.5, errors: 0.25 });
    expect(services[0]!.lastSeen).toBe(NOW);
  });

  it('puts services with NaN, no score or a stale score first, then the scored ones', () => {
    const frames = [
      score('healthy', [99]),
      score('quiet', [50, NaN]),
      score('gone', [10, 20], NOW - 10 * MIN),
      signal('unscored', 'availability', 1),
      score('failing', [5]),
    ];
    const services = servicesFromFrames(frames, DEFAULT_OPTIONS, NOW);
    expect(services.map((s) => [s.service, s.state, s.score])).toEqual([
      ['gone', 'stale', undefined],
      ['quiet', 'nodata', undefined],
      ['unscored', 'nodata', undefined],
      ['failing', 'ok', 5],
      ['healthy', 'ok', 99],
    ]);
  });

  it("allows for a long range's step: the newest sample may be a step older than the range's end", () => {
    const STEP = 10 * MIN;
    const everyTenMinutes = (service: string, age: number) =>
      promSeries('A', { __name__: 'vigil:service_health_score', service }, [
        [NOW - age - STEP, 90],
        [NOW - age, 90],
      ]);
    const services = servicesFromFrames(
      [
        everyTenMinutes('aligned', 8 * MIN),
        everyTenMinutes('gone', 16 * MIN),
        // The same step for every service of the query: one just deployed (a single sample) is not stale,
        promSeries('A', { service: 'new' }, [[NOW - 8 * MIN, 90]]),
        // and one whose samples stopped for half an hour gets no more slack than the others.
        promSeries('A', { service: 'gappy' }, [
          [NOW - 8 * MIN - 6 * STEP, 90],
          [NOW - 8 * MIN - 3 * STEP, 90],
        ]),
      ],
      DEFAULT_OPTIONS,
      NOW,
    );
    expect(services.map((s) => [s.service, s.state])).toEqual([
      ['gappy', 'stale'],
      ['gone', 'stale'],
      ['aligned', 'ok'],
      ['new', 'ok'],
    ]);
  });

  it('ignores a frame without a time field (a table query), for the services and for the step', () => {
    const table = toDataFrame({
      refId: 'A',
      fields: [{ name: 'Value', type: FieldType.number, labels: { service: 'table' }, values: [1] }],
    });
    const services = servicesFromFrames([table, score('api', [90], NOW - 8 * MIN)], DEFAULT_OPTIONS, NOW);
    expect(services.map((s) => [s.service, s.state])).toEqual([['api', 'stale']]);
  });

  it("takes the step from the interval Grafana's Prometheus datasource puts on the time field", () => {
    const single = (service: string, age: number) => {
      const frame = promSeries('A', { service }, [[NOW - age, 90]]);
      frame.fields[0]!.config.interval = 10 * MIN;
      return frame;
    };
    const services = servicesFromFrames(
      [single('recent', 8 * MIN), single('old', 16 * MIN)],
      DEFAULT_OPTIONS,
      NOW,
    );
    expect(services.map((s) => [s.service, s.state])).toEqual([
      ['old', 'stale'],
      ['recent', 'ok'],
    ]);
  });

  it('treats nulls as gaps, ignores series without the service label and clamps scores', () => {
    const frames = [
      score('api', [50, null, 120]),
      promSeries('A', { __name__: 'vigil:service_health_score' }, [[NOW, 3]]),
    ];
    const [api, ...rest] = servicesFromFrames(frames, DEFAULT_OPTIONS, NOW);
    expect(rest).toEqual([]);
    expect(api!.trend.values).toEqual([50, null, 120]);
    expect(api!.score).toBe(100);
  });

  it('reads the service from the configured label', () => {
    const frames = [promSeries('A', { job: 'checkout' }, [[NOW, 42]])];
    expect(servicesFromFrames(frames, DEFAULT_OPTIONS, NOW)).toEqual([]);
    const [checkout] = servicesFromFrames(frames, { ...DEFAULT_OPTIONS, serviceLabel: 'job' }, NOW);
    expect(checkout).toMatchObject({ service: 'checkout', score: 42 });
  });

  it('takes a series without a signal label as a signal when its refId names one', () => {
    const frames = [
      score('api', [80]),
      promSeries('dependency', { service: 'api' }, [[NOW, 1]]),
      promSeries('anomaly', { service: 'api' }, [[NOW, 0.25]]),
    ];
    const [api] = servicesFromFrames(frames, DEFAULT_OPTIONS, NOW);
    // 1 dependency down is the default's bad value; an anomaly score of 0.25 is 75% good.
    expect(api!.signals).toEqual({ dependency: 0, anomaly: 0.75 });
    expect(api!.score).toBe(80);
  });
});

describe('servicesFromFrames, raw values behind recorded signals', () => {
  it('takes a raw_<signal> query as the measured value of that signal, its newest finite sample', () => {
    const errorRatio = promSeries('raw_errors', { service: 'db' }, [
      [NOW - MIN, 0.08],
      [NOW, NaN],
    ]);
    const frames = [score('db', [10]), signal('db', 'errors', 0), errorRatio];
    const [db] = servicesFromFrames(frames, DEFAULT_OPTIONS, NOW);
    expect(db!.signals).toEqual({ errors: 0 });
    expect(db!.raw.errors).toEqual({ value: 0.08, field: errorRatio.fields[1] });
    // A raw series is neither the score nor a signal.
    expect(db!.score).toBe(10);
  });

  it('has no raw values for the recorded signals alone, which are scores already, nor for gaps only', () => {
    const gaps = promSeries('raw_latency', { service: 'db' }, [[NOW, null]]);
    const [db] = servicesFromFrames(
      [score('db', [10]), signal('db', 'errors', 0), gaps],
      DEFAULT_OPTIONS,
      NOW,
    );
    expect(db!.raw).toEqual({});
  });
});

describe('servicesFromFrames, computed scores', () => {
  const computed: HealthScoreOptions = {
    ...DEFAULT_OPTIONS,
    scoreSource: 'computed',
    signals: {
      ...DEFAULT_OPTIONS.signals,
      // Raw series: the 5xx ratio and the p95 latency in seconds.
      errors: { weight: 0.25, good: 0, bad: 0.05 },
      latency: { weight: 0.25, good: 0.25, bad: 1 },
    },
  };
  const raw = (service: string, name: string, points: Array<[number, number]>) =>
    promSeries(name, { service }, points);

  it('scores the signals at each time with the weights and thresholds of the options', () => {
    const frames = [
      raw('api', 'availability', [
        [NOW - MIN, 1],
        [NOW, 0.5],
      ]),
      raw('api', 'errors', [
        [NOW - MIN, 0],
        [NOW, 0.025],
      ]),
      raw('api', 'latency', [[NOW, 2]]),
      // The recorded score is ignored when computing.
      score('api', [1, 1]),
    ];
    const [api] = servicesFromFrames(frames, computed, NOW);
    // At NOW-1m: availability 1 and errors 1 (weights 0.4, 0.25) -> 100.
    // At NOW: availability 0.5, errors 0.5, latency 0 -> (0.2 + 0.125 + 0) / 0.9.
    expect(api!.trend.times).toEqual([NOW - MIN, NOW]);
    expect(api!.trend.values[0]).toBeCloseTo(100);
    expect(api!.score).toBeCloseTo((100 * 0.325) / 0.9);
    expect(api!.signals).toEqual({ availability: 0.5, errors: 0.5, latency: 0 });
    // Raw series are their own measured values; availability (good 1, bad 0) is already a score.
    expect(Object.fromEntries(Object.entries(api!.raw).map(([k, v]) => [k, v.value]))).toEqual({
      errors: 0.025,
      latency: 2,
    });
    // No score field: the data links come with the first signal's series (its newest row).
    expect(api!.linkSource).toEqual({
      field: expect.objectContaining({ labels: { service: 'api' }, values: [1, 0.5] }),
      rowIndex: 1,
    });
  });

  it('shows no data for a service whose signals are all NaN now', () => {
    const [api] = servicesFromFrames([raw('api', 'availability', [[NOW, NaN]])], computed, NOW);
    expect(api).toMatchObject({ service: 'api', state: 'nodata' });
    expect(api!.score).toBeUndefined();
  });

  it('reproduces the recorded score from the recorded signals with the default options', () => {
    // The same inputs as rules/prometheus/health-score.rules.yml: each signal 0-1, weights 0.4/0.25/0.25/0.1.
    const frames = [
      signal('api', 'availability', 0.9),
      signal('api', 'latency', 0.6),
      signal('api', 'errors', 1),
      signal('api', 'saturation', 0.2),
    ];
    const [api] = servicesFromFrames(frames, { ...DEFAULT_OPTIONS, scoreSource: 'computed' }, NOW);
    expect(api!.score).toBeCloseTo(100 * (0.4 * 0.9 + 0.25 * 0.6 + 0.25 * 1 + 0.1 * 0.2));
  });
});

describe('scoreConflicts', () => {
  it('names a service that two queries give a score, and nothing for the usual queries', () => {
    const dependencyOnC = promSeries('C', { service: 'api' }, [[NOW, 1]]);
    const conflicting = [score('api', [90]), signal('api', 'errors', 1), dependencyOnC, score('web', [80])];
    expect(scoreConflicts(servicesFromFrames(conflicting, DEFAULT_OPTIONS, NOW))).toEqual([
      "queries A and C both give api a score: give the extra one a signal's refId (dependency, anomaly, raw_<signal>)",
    ]);
    const usual = [
      score('api', [90]),
      signal('api', 'errors', 1),
      promSeries('dependency', { service: 'api' }, [[NOW, 0]]),
      promSeries('raw_errors', { service: 'api' }, [[NOW, 0.01]]),
    ];
    expect(scoreConflicts(servicesFromFrames(usual, DEFAULT_OPTIONS, NOW))).toEqual([]);
  });
});
