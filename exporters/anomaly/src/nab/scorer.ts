import type { CostMatrix, DataFile } from './corpus';

/**
 * NAB's scaled sigmoid: 2/(1+e^(5y)) - 1 for a position y relative to a window's right end (-1 at its left
 * end, 0 at its right end, > 0 past it). Past 3 window widths the value is held at -1, as NAB does.
 */
export function scaledSigmoid(y: number): number {
  return y >= 3 ? -1 : 2 / (1 + Math.exp(5 * y)) - 1;
}

/** The best a detection can score: the one at a window's left end. */
const MAX_TP = scaledSigmoid(-1);

/** NAB's probation: the first 15% of a file, at most 15% of 5000 rows, is not scored. */
export function probationLength(rows: number, fraction = 0.15): number {
  return Math.min(Math.floor(fraction * rows), fraction * 5000);
}

/**
 * The scorable rows of a corpus, profile-independent: each row's anomaly score, the window it lies in
 * (a corpus-wide index, -1 outside every window) and its unweighted sigmoid value.
 */
export interface ScorableRows {
  score: Float64Array;
  window: Int32Array;
  sigmoid: Float64Array;
  /** Windows with at least one scorable row: those a detector that never fires misses. */
  scorableWindows: number[];
  windowCount: number;
}

/**
 * Assigns each row its NAB sweep value. Inside a window of width w ending at row r, row i sits at
 * y = -(r - i + 1)/w; outside, a row after a window ending at r (width w) sits at y = (i - r)/(w - 1), and
 * a row before any window at y = 3 (a full false positive). Probation rows are dropped.
 */
export function scorableRows(files: DataFile[], scores: ArrayLike<number>[]): ScorableRows {
  const total = files.reduce((n, f) => n + f.values.length - Math.ceil(probationLength(f.values.length)), 0);
  const out = {
    score: new Float64Array(total),
    window: new Int32Array(total),
    sigmoid: new Float64Array(total),
  };
  const scorable = new Set<number>();
  let k = 0;
  let windowBase = 0;
  files.forEach((file, fi) => {
    const fileScores = scores[fi] as ArrayLike<number>;
    if (fileScores.length !== file.values.length) throw new Error(`${file.name}: one score per row expected`);
    const probation = probationLength(file.values.length);
    let next = 0; // the next window not yet entered
    let current = -1;
    let prevRight = -1;
    let prevWidth = 0;
    for (let i = 0; i < file.values.length; i++) {
      const upcoming = file.windows[next];
      if (current < 0 && upcoming && i === upcoming[0]) current = next++;
      const win = current >= 0 ? (file.windows[current] as [number, number]) : undefined;
      let y: number;
      if (win) y = -(win[1] - i + 1) / (win[1] - win[0] + 1);
      else y = prevRight < 0 ? 3 : (i - prevRight) / (prevWidth - 1);
      if (i >= probation) {
        out.score[k] = fileScores[i] as number;
        out.window[k] = win ? windowBase + current : -1;
        out.sigmoid[k] = scaledSigmoid(y);
        if (win) scorable.add(windowBase + current);
        k++;
      }
      if (win && i === win[1]) {
        prevRight = win[1];
        prevWidth = win[1] - win[0] + 1;
        current = -1;
      }
    }
    windowBase += file.windows.length;
  });
  return { ...out, scorableWindows: [...scorable], windowCount: windowBase };
}

export interface ThresholdScore {
  /** Rows scoring at or above it are detections; Infinity means none is. */
  threshold: number;
  score: number;
  tp: number;
  fp: number;
  fn: number;
}

function weightOf(rows: ScorableRows, k: number, cost: CostMatrix): number {
  const s = rows.sigmoid[k] as number;
  return (rows.window[k] as number) >= 0 ? (s * cost.tpWeight) / MAX_TP : s * cost.fpWeight;
}

/**
 * Rows in descending score order; computed once and shared by every profile's sweep. An LSD radix sort
 * over the scores' IEEE-754 bits (made order-preserving as unsigned integers), since a comparator sort of
 * a whole corpus would dominate the benchmark's run time.
 */
export function sortByScore(rows: ScorableRows): Uint32Array {
  const n = rows.score.length;
  const bits = new Uint32Array(Float64Array.from(rows.score).buffer);
  const words = [new Uint32Array(n), new Uint32Array(n)]; // low, high
  for (let i = 0; i < n; i++) {
    let lo = bits[2 * i] as number;
    let hi = bits[2 * i + 1] as number;
    // Negative numbers: flip every bit; others: flip the sign bit. Then unsigned order is numeric order.
    if (hi & 0x80000000) {
      lo = ~lo >>> 0;
      hi = ~hi >>> 0;
    } else hi = (hi | 0x80000000) >>> 0;
    (words[0] as Uint32Array)[i] = lo;
    (words[1] as Uint32Array)[i] = hi;
  }
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let next = new Uint32Array(n);
  const counts = new Uint32Array(65536);
  for (let pass = 0; pass < 4; pass++) {
    const word = words[pass >> 1] as Uint32Array;
    const shift = (pass & 1) * 16;
    counts.fill(0);
    for (let i = 0; i < n; i++)
      (counts[((word[order[i] as number] as number) >>> shift) & 0xffff] as number)++;
    // Descending: larger digits first.
    let sum = 0;
    for (let d = 65535; d >= 0; d--) {
      const c = counts[d] as number;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = order[i] as number;
      const d = ((word[k] as number) >>> shift) & 0xffff;
      next[(counts[d] as number)++] = k;
    }
    [order, next] = [next, order];
  }
  return order;
}

/**
 * NAB's threshold optimisation: lower one corpus-wide threshold through every distinct score, keeping
 * each window's best (earliest) detection and summing every false positive, and return the best total.
 */
export function bestThreshold(rows: ScorableRows, order: Uint32Array, cost: CostMatrix): ThresholdScore {
  const part = new Float64Array(rows.windowCount);
  const detected = new Uint8Array(rows.windowCount);
  let total = -cost.fnWeight * rows.scorableWindows.length;
  for (const w of rows.scorableWindows) part[w] = -cost.fnWeight;
  let tp = 0;
  let fp = 0;
  let best: ThresholdScore = { threshold: Infinity, score: total, tp, fp, fn: rows.scorableWindows.length };
  for (let j = 0; j < order.length; j++) {
    const k = order[j] as number;
    const w = rows.window[k] as number;
    const weight = weightOf(rows, k, cost);
    if (w < 0) {
      total += weight;
      fp++;
    } else {
      if (!detected[w]) tp++;
      detected[w] = 1;
      if (weight > (part[w] as number)) {
        total += weight - (part[w] as number);
        part[w] = weight;
      }
    }
    const threshold = rows.score[k] as number;
    const next = order[j + 1];
    // Rows tied on a score are all detected or none is: record the total only after the last of them.
    if ((next === undefined || rows.score[next] !== threshold) && total > best.score) {
      best = { threshold, score: total, tp, fp, fn: rows.scorableWindows.length - tp };
    }
  }
  return best;
}

/** The total at a given threshold, row by row; the sweep's result must agree with it. */
export function scoreAt(rows: ScorableRows, threshold: number, cost: CostMatrix): number {
  const part = new Map<number, number>(rows.scorableWindows.map((w) => [w, -cost.fnWeight]));
  let fpTotal = 0;
  for (let k = 0; k < rows.score.length; k++) {
    if ((rows.score[k] as number) < threshold) continue;
    const w = rows.window[k] as number;
    const weight = weightOf(rows, k, cost);
    if (w < 0) fpTotal += weight;
    else part.set(w, Math.max(part.get(w) as number, weight));
  }
  let total = fpTotal;
  for (const v of part.values()) total += v;
  return total;
}

export interface ProfileResult extends ThresholdScore {
  profile: string;
  /** 100 for a perfect detector, 0 for one that never fires. */
  normalised: number;
}

/**
 * Scores a detector's output over a corpus per profile: the best corpus-wide threshold, normalised as
 * 100 * (S - S_null) / (S_perfect - S_null), S_null the never-firing detector's score and S_perfect every
 * labelled window detected at its left end (windowCount * tpWeight).
 */
export function scoreCorpus(
  files: DataFile[],
  scores: ArrayLike<number>[],
  profiles: Record<string, CostMatrix>,
  windowCount: number,
): ProfileResult[] {
  const rows = scorableRows(files, scores);
  const order = sortByScore(rows);
  return Object.entries(profiles).map(([profile, cost]) => {
    const best = bestThreshold(rows, order, cost);
    const nullScore = -cost.fnWeight * rows.scorableWindows.length;
    const perfect = windowCount * cost.tpWeight;
    return { profile, ...best, normalised: (100 * (best.score - nullScore)) / (perfect - nullScore) };
  });
}
