import { NAB_PROFILES, type DataFile } from '../src/nab/corpus';
import { crossValidate, folderOf } from '../src/nab/cross-validation';

const standard = NAB_PROFILES.standard!;

/** 40 rows, one window over rows 20..29 unless `windows` says otherwise; probation is the first 6 rows. */
function file(name: string, windows: [number, number][] = [[20, 29]]): DataFile {
  return { name, timestamps: new Float64Array(40), values: new Float64Array(40), windows };
}

/** Scores firing (1) on the given rows only. */
function firing(...rows: number[]): Float64Array {
  const scores = new Float64Array(40);
  for (const r of rows) scores[r] = 1;
  return scores;
}

describe('leave-one-folder-out cross-validation', () => {
  const files = [file('a/1.csv'), file('b/1.csv'), file('c/1.csv'), file('quiet/1.csv', [])];

  it('names a file folder by its first path segment', () => {
    expect(folderOf(files[0]!)).toBe('a');
  });

  it('holds out each folder with windows, choosing the candidate that does best on the others', () => {
    // Candidate 0 detects every window at its start; candidate 1 only raises false positives.
    const good = [firing(20), firing(20), firing(20), firing()];
    const noisy = [firing(10), firing(10), firing(10), firing(10)];
    const cv = crossValidate(files, [noisy, good], standard);
    expect(cv.folds.map((f) => f.folder)).toEqual(['a', 'b', 'c']);
    expect(cv.folds.every((f) => f.chosen === 1 && f.threshold === 1)).toBe(true);
    expect(cv.mean).toBeCloseTo(100, 9);
    expect(cv.worst).toBeCloseTo(100, 9);
  });

  it('scores the held-out folder at the threshold chosen without it, and also at its own best one', () => {
    // Folder c fires only at 0.5, below the threshold the others call for: a miss (0) when held out,
    // though at its own best threshold it would score 100.
    const scores = [firing(20), firing(20), Float64Array.from(firing(20), (s) => s / 2), firing()];
    const cv = crossValidate(files, [scores], standard);
    const c = cv.folds.find((f) => f.folder === 'c')!;
    expect(c.threshold).toBe(1);
    expect(c.normalised).toBe(0);
    expect(c.oracle).toBeCloseTo(100, 9);
    expect(cv.worst).toBe(0);
  });
});
