import { performance } from 'node:perf_hooks';
import { createDetector } from '../src/detectors';
import { DEFAULT_NOVELTY, type NoveltySettings } from '../src/detectors/novelty';
import type { Detector } from '../src/detectors/detector';
import { WindowedGaussian } from '../src/detectors/windowed-gaussian';
import { loadCorpus, type Corpus } from '../src/nab/corpus';
import { crossValidate } from '../src/nab/cross-validation';
import { scoreCorpus, scorableRows, scoreAt, type ProfileResult } from '../src/nab/scorer';

/**
 * NAB benchmark: runs our detector and the windowed-Gaussian baseline over a NAB-format corpus and scores
 * both as NAB does. Usage: npm run bench:nab -- --data <dir> [--verbose] [--cv]
 */

const DAY_MS = 86_400_000;

/**
 * The detector's free constants, each over a few values: `--cv` picks one combination on the other folders
 * and scores the held-out folder with it. Constants absent here are fixed for every series and fold.
 */
const CV_GRID: { [K in keyof NoveltySettings]?: NoveltySettings[K][] } = {
  likelihoodWindow: [15, 20, 30],
  refractorySamples: [5, 10, 20],
};

/** Every combination of the grid's values over the default settings. */
function candidates(): NoveltySettings[] {
  return Object.entries(CV_GRID).reduce<NoveltySettings[]>(
    (acc, [key, values]) => acc.flatMap((s) => (values as unknown[]).map((v) => ({ ...s, [key]: v }))),
    [DEFAULT_NOVELTY],
  );
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The sampling step a scrape config would state: the median gap between timestamps. */
function stepOf(timestamps: Float64Array): number {
  const gaps = Array.from(timestamps.subarray(1), (t, i) => t - (timestamps[i] as number)).sort(
    (a, b) => a - b,
  );
  return gaps[gaps.length >> 1] ?? 60_000;
}

function detect(corpus: Corpus, make: (stepMs: number) => Detector): Float64Array[] {
  return corpus.files.map((file) => {
    const detector = make(stepOf(file.timestamps));
    const scores = new Float64Array(file.values.length);
    for (let i = 0; i < scores.length; i++) {
      const s = detector.update(file.timestamps[i] as number, file.values[i] as number).score;
      scores[i] = Number.isFinite(s) ? s : 0;
    }
    return scores;
  });
}

const fmt = (n: number) => n.toFixed(1);

/**
 * Detection timed as the fastest of RUNS runs (the machine may be shared: the fastest run is the one least
 * disturbed), and NAB scoring after it, timed apart: points/s is the detector's streaming speed.
 */
const RUNS = 5;

function run(corpus: Corpus, name: string, make: (stepMs: number) => Detector) {
  let detectSeconds = Infinity;
  let scores: Float64Array[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    scores = detect(corpus, make);
    detectSeconds = Math.min(detectSeconds, (performance.now() - started) / 1000);
  }
  const started = performance.now();
  const results = scoreCorpus(corpus.files, scores, corpus.profiles, corpus.windowCount);
  const scoreSeconds = (performance.now() - started) / 1000;
  const points = corpus.files.reduce((n, f) => n + f.values.length, 0);
  const pointsPerSecond = Math.round(points / detectSeconds);
  const row = results.map((r) => `${r.profile}=${fmt(r.normalised)} (t=${r.threshold.toFixed(4)})`);
  process.stdout.write(
    `${name.padEnd(18)} ${row.join('  ')}  detection ${detectSeconds.toFixed(2)}s (${pointsPerSecond} points/s, fastest of ${RUNS}), scoring ${scoreSeconds.toFixed(2)}s\n`,
  );
  return { results, scores, pointsPerSecond };
}

/** Per-file contribution at the standard profile's corpus-wide threshold, to see where a detector loses. */
function perFile(corpus: Corpus, scores: Float64Array[], standard: ProfileResult) {
  const cost = corpus.profiles.standard as NonNullable<Corpus['profiles'][string]>;
  corpus.files.forEach((file, i) => {
    const rows = scorableRows([file], [scores[i] as Float64Array]);
    const total = scoreAt(rows, standard.threshold, cost);
    const fired = rows.score.filter((s) => s >= standard.threshold).length;
    process.stdout.write(
      `  ${file.name.padEnd(58)} windows=${file.windows.length} score=${total.toFixed(2)} fired=${fired}\n`,
    );
  });
}

/** Leave-one-folder-out: constants and threshold chosen on the other folders, the held-out one scored. */
function crossValidation(corpus: Corpus) {
  const grid = candidates();
  const scores = grid.map((settings) => detect(corpus, (stepMs) => createDetector(stepMs, settings)));
  const cost = corpus.profiles.standard as NonNullable<Corpus['profiles'][string]>;
  const cv = crossValidate(corpus.files, scores, cost);
  for (const f of cv.folds) {
    const chosen = Object.keys(CV_GRID)
      .map((k) => {
        const v = grid[f.chosen]?.[k as keyof NoveltySettings];
        return k.endsWith('Ms') ? `${k.slice(0, -2)}=${Number(v) / DAY_MS}d` : `${k}=${String(v)}`;
      })
      .join(' ');
    process.stdout.write(
      `  held out ${f.folder.padEnd(22)} standard=${fmt(f.normalised)} (t=${f.threshold.toFixed(4)}; at its own best threshold ${fmt(f.oracle)})  ${chosen}\n`,
    );
  }
  process.stdout.write(`nab_cv standard=${fmt(cv.mean)} worst=${fmt(cv.worst)} folds=${cv.folds.length}\n`);
}

function main() {
  const dir = arg('--data');
  if (!dir) {
    process.stderr.write('usage: npm run bench:nab -- --data <NAB-format directory> [--verbose] [--cv]\n');
    process.exit(2);
  }
  const corpus = loadCorpus(dir);
  const points = corpus.files.reduce((n, f) => n + f.values.length, 0);
  process.stdout.write(
    `corpus ${dir}: ${corpus.files.length} files, ${points} points, ${corpus.windowCount} windows\n`,
  );
  const baseline = run(corpus, 'windowed-gaussian', () => new WindowedGaussian());
  const ours = run(corpus, 'vigil', (stepMs) => createDetector(stepMs));
  const byProfile = (r: ProfileResult[], p: string) => r.find((x) => x.profile === p)?.normalised ?? NaN;
  if (process.argv.includes('--verbose')) {
    perFile(corpus, ours.scores, ours.results.find((r) => r.profile === 'standard') as ProfileResult);
  }
  if (process.argv.includes('--cv')) crossValidation(corpus);
  process.stdout.write(
    `nab standard=${fmt(byProfile(ours.results, 'standard'))} low_fp=${fmt(byProfile(ours.results, 'reward_low_FP_rate'))}` +
      ` low_fn=${fmt(byProfile(ours.results, 'reward_low_FN_rate'))}` +
      ` baseline_standard=${fmt(byProfile(baseline.results, 'standard'))}` +
      ` points_per_s=${ours.pointsPerSecond}\n`,
  );
}

main();
