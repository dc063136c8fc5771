import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCorpus, NAB_PROFILES, type DataFile } from '../src/nab/corpus';
import {
  bestThreshold,
  probationLength,
  scaledSigmoid,
  scoreAt,
  scoreCorpus,
  scorableRows,
  sortByScore,
} from '../src/nab/scorer';
import { tempDir } from './helpers';

const standard = NAB_PROFILES.standard!;

/** 40 rows, one window over rows 20..29 (width 10); probation is floor(0.15 * 40) = 6 rows. */
function file(): DataFile {
  return {
    name: 'f.csv',
    timestamps: Float64Array.from({ length: 40 }, (_, i) => i * 300_000),
    values: new Float64Array(40),
    windows: [[20, 29]],
  };
}

/** The standard-profile total when exactly the given rows fire. */
function totalFiring(rowsThatFire: number[]): number {
  const scores = new Float64Array(40);
  for (const r of rowsThatFire) scores[r] = 1;
  return scoreAt(scorableRows([file()], [scores]), 1, standard);
}

describe('NAB scoring, hand-computed', () => {
  it('uses the scaled sigmoid 2/(1+e^(5y)) - 1, held at -1 from 3 window widths on', () => {
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(-1)).toBeCloseTo(0.986614, 6);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.848284, 6);
    expect(scaledSigmoid(3)).toBe(-1);
  });

  it('limits probation to 15% of the rows, at most 750', () => {
    expect(probationLength(40)).toBe(6);
    expect(probationLength(4032)).toBe(604);
    expect(probationLength(15902)).toBe(750);
  });

  it('scores a detection at the window start as a full true positive', () => {
    expect(totalFiring([20])).toBeCloseTo(1, 9);
  });

  it('scores a detection at the window end at sigma(-1/10) / sigma(-1)', () => {
    // y = -(29 - 29 + 1) / 10 = -0.1: 0.244919 / 0.986614
    expect(totalFiring([29])).toBeCloseTo(0.248242, 5);
  });

  it('counts only the earliest detection of a window', () => {
    expect(totalFiring([22, 25, 29])).toBeCloseTo(totalFiring([22]), 12);
  });

  it('scores a miss as -fnWeight', () => {
    expect(totalFiring([])).toBe(-1);
  });

  it('weighs a false positive after a window by its distance past it', () => {
    // y = (35 - 29) / (10 - 1) = 2/3: sigma = -0.931109, times fpWeight 0.11, plus the missed window
    expect(totalFiring([35])).toBeCloseTo(-1 - 0.102422, 5);
  });

  it('charges a false positive before any window the full -fpWeight', () => {
    expect(totalFiring([10])).toBeCloseTo(-1.11, 12);
  });

  it('ignores detections in the probation period', () => {
    expect(totalFiring([3])).toBe(-1);
  });

  it('does not count a window lying wholly in probation as missed', () => {
    const f = { ...file(), windows: [[1, 4] as [number, number], [20, 29] as [number, number]] };
    const rows = scorableRows([f], [new Float64Array(40)]);
    expect(rows.scorableWindows).toEqual([1]);
  });

  it('finds the corpus-wide threshold that maximises the total', () => {
    const scores = new Float64Array(40);
    scores[22] = 0.9; // in the window, y = -0.8: 0.964028 / 0.986614 = 0.977107
    scores[35] = 0.95; // false positive after it: -0.102422
    scores[10] = 0.5; // false positive before it: -0.11
    const rows = scorableRows([file()], [scores]);
    const best = bestThreshold(rows, sortByScore(rows), standard);
    expect(best).toMatchObject({ threshold: 0.9, tp: 1, fp: 1, fn: 0 });
    expect(best.score).toBeCloseTo(0.977107 - 0.102422, 5);
    expect(best.score).toBeCloseTo(scoreAt(rows, 0.9, standard), 12);
  });

  it('treats rows tied on a score as all detected or none', () => {
    const scores = new Float64Array(40);
    scores[20] = 0.7;
    scores[12] = 0.7; // a tie: the window cannot be had without this false positive
    const rows = scorableRows([file()], [scores]);
    const best = bestThreshold(rows, sortByScore(rows), standard);
    expect(best).toMatchObject({ threshold: 0.7, tp: 1, fp: 1 });
    expect(best.score).toBeCloseTo(1 - 0.11, 12);
  });

  it('keeps no threshold when every detection loses score', () => {
    const scores = new Float64Array(40);
    scores[10] = 0.9;
    const rows = scorableRows([file()], [scores]);
    expect(bestThreshold(rows, sortByScore(rows), standard)).toMatchObject({
      threshold: Infinity,
      score: -1,
    });
  });
});

/**
 * A two-file NAB-format directory, written at test time (the repository ignores data/ folders): spike.csv
 * has 40 rows 5 minutes apart with one window over rows 20..29, quiet.csv 20 rows and no window.
 */
function writeMiniCorpus(dir: string) {
  const at = (i: number) =>
    new Date(Date.UTC(2024, 0, 1) + i * 300_000).toISOString().slice(0, 19).replace('T', ' ');
  const csv = (n: number, value: (i: number) => number) =>
    ['timestamp,value', ...Array.from({ length: n }, (_, i) => `${at(i)},${value(i)}`)].join('\n') + '\n';
  mkdirSync(join(dir, 'data', 'demo'), { recursive: true });
  mkdirSync(join(dir, 'labels'));
  writeFileSync(
    join(dir, 'data', 'demo', 'spike.csv'),
    csv(40, (i) => (i === 24 ? 60 : 10)),
  );
  writeFileSync(
    join(dir, 'data', 'demo', 'quiet.csv'),
    csv(20, (i) => i % 3),
  );
  writeFileSync(
    join(dir, 'labels', 'combined_windows.json'),
    JSON.stringify({ 'demo/spike.csv': [[`${at(20)}.000000`, `${at(29)}.000000`]], 'demo/quiet.csv': [] }),
  );
}

describe('a NAB-format directory', () => {
  const temp = tempDir();
  writeMiniCorpus(temp.dir);
  const corpus = loadCorpus(temp.dir);
  afterAll(() => temp.cleanup());

  it('is loaded with windows as row ranges and NAB profiles by default', () => {
    expect(corpus.files.map((f) => f.name)).toEqual(['demo/quiet.csv', 'demo/spike.csv']);
    expect(corpus.files[1]!.windows).toEqual([[20, 29]]);
    expect(corpus.windowCount).toBe(1);
    expect(Object.keys(corpus.profiles)).toEqual(['standard', 'reward_low_FP_rate', 'reward_low_FN_rate']);
  });

  it('normalises to 100 for a perfect detector and 0 for the null detector', () => {
    const perfect = corpus.files.map((f) =>
      Float64Array.from(f.values, (_, i) => (f.name === 'demo/spike.csv' && i === 20 ? 1 : 0)),
    );
    const silent = corpus.files.map((f) => new Float64Array(f.values.length));
    const atEnd = corpus.files.map((f) =>
      Float64Array.from(f.values, (_, i) => (f.name === 'demo/spike.csv' && i === 29 ? 1 : 0)),
    );
    const normalised = (scores: Float64Array[]) =>
      scoreCorpus(corpus.files, scores, corpus.profiles, corpus.windowCount).map((r) => r.normalised);
    expect(normalised(perfect)).toEqual([100, 100, 100]);
    expect(normalised(silent)).toEqual([0, 0, 0]);
    // standard: 100 * (0.248242 + 1) / (1 + 1); low FN: fnWeight 2, 100 * (0.248242 + 2) / (1 + 2)
    const [std, lowFp, lowFn] = normalised(atEnd);
    expect(std).toBeCloseTo(62.412, 2);
    expect(lowFp).toBeCloseTo(62.412, 2);
    expect(lowFn).toBeCloseTo(74.941, 2);
  });
});
