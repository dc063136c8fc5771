import type { CostMatrix, DataFile } from './corpus';
import { bestThreshold, scoreAt, scorableRows, sortByScore } from './scorer';

/** The folder of a corpus file ("realTweets/Twitter_volume_AAPL.csv" → "realTweets"): NAB's unit of data source. */
export function folderOf(file: DataFile): string {
  return file.name.split('/')[0] as string;
}

export interface FoldResult {
  /** The held-out folder. */
  folder: string;
  /** Index of the candidate chosen on the other folders. */
  chosen: number;
  /** Its best threshold on the other folders, applied unchanged to the held-out one. */
  threshold: number;
  /** The held-out folder's normalised score at that threshold. */
  normalised: number;
  /** The held-out folder's normalised score had its threshold been chosen on itself, as NAB does. */
  oracle: number;
}

export interface CrossValidation {
  folds: FoldResult[];
  mean: number;
  worst: number;
}

/** 100 * (S - S_null) / (S_perfect - S_null) over the given files' labelled windows. */
function normalise(total: number, files: DataFile[], scorableWindows: number, cost: CostMatrix): number {
  const windows = files.reduce((n, f) => n + f.windows.length, 0);
  const nullScore = -cost.fnWeight * scorableWindows;
  return (100 * (total - nullScore)) / (windows * cost.tpWeight - nullScore);
}

/**
 * Leave-one-folder-out cross-validation. `candidates[c][i]` are candidate c's scores for file i; for each
 * folder with labelled windows, the candidate and its corpus-wide threshold are chosen on the other
 * folders alone (NAB's threshold sweep), then the held-out folder is scored at that threshold. Folders
 * without windows (artificialNoAnomaly) are only ever training data: with nothing to detect their
 * normalised score is undefined, but their false positives still weigh on the choice.
 */
export function crossValidate(
  files: DataFile[],
  candidates: ArrayLike<number>[][],
  cost: CostMatrix,
): CrossValidation {
  const folders = [...new Set(files.map(folderOf))].filter((folder) =>
    files.some((f) => folderOf(f) === folder && f.windows.length > 0),
  );
  const folds = folders.map((folder): FoldResult => {
    const held = files.flatMap((f, i) => (folderOf(f) === folder ? [i] : []));
    const train = files.flatMap((f, i) => (folderOf(f) === folder ? [] : [i]));
    let chosen = 0;
    let best = { threshold: Infinity, score: -Infinity };
    candidates.forEach((scores, c) => {
      const rows = scorableRows(
        train.map((i) => files[i] as DataFile),
        train.map((i) => scores[i] as ArrayLike<number>),
      );
      const result = bestThreshold(rows, sortByScore(rows), cost);
      if (result.score > best.score) {
        best = result;
        chosen = c;
      }
    });
    const heldFiles = held.map((i) => files[i] as DataFile);
    const rows = scorableRows(
      heldFiles,
      held.map((i) => (candidates[chosen] as ArrayLike<number>[])[i] as ArrayLike<number>),
    );
    const windows = rows.scorableWindows.length;
    return {
      folder,
      chosen,
      threshold: best.threshold,
      normalised: normalise(scoreAt(rows, best.threshold, cost), heldFiles, windows, cost),
      oracle: normalise(bestThreshold(rows, sortByScore(rows), cost).score, heldFiles, windows, cost),
    };
  });
  const scores = folds.map((f) => f.normalised);
  return {
    folds,
    mean: scores.reduce((a, b) => a + b, 0) / Math.max(1, scores.length),
    worst: Math.min(...scores),
  };
}
