import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** NAB's cost weights for one application profile. */
export interface CostMatrix {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

/** One data file with its labelled anomaly windows, as inclusive row-index ranges. */
export interface DataFile {
  /** Path relative to data/, with "/" separators, as the label files name it. */
  name: string;
  timestamps: Float64Array;
  values: Float64Array;
  windows: [number, number][];
}

export interface Corpus {
  files: DataFile[];
  profiles: Record<string, CostMatrix>;
  /** Every labelled window, including any that fall inside a file's probation period. */
  windowCount: number;
}

/** NAB's config/profiles.json, used when the corpus does not carry its own. */
export const NAB_PROFILES: Record<string, CostMatrix> = {
  standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
};

/** NAB timestamps ("2014-04-10 07:15:00" or with ".000000") carry no zone; both sides read them as UTC. */
export function parseTimestamp(text: string): number {
  const ms = Date.parse(`${text.trim().replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) throw new Error(`bad timestamp "${text}"`);
  return ms;
}

/** Parses a NAB data file: a "timestamp,value" header, then one row per sample. */
export function parseCsv(text: string, name: string): { timestamps: Float64Array; values: Float64Array } {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines.shift() ?? '').split(',').map((h) => h.trim());
  const ti = header.indexOf('timestamp');
  const vi = header.indexOf('value');
  if (ti < 0 || vi < 0) throw new Error(`${name}: header must name timestamp and value columns`);
  const timestamps = new Float64Array(lines.length);
  const values = new Float64Array(lines.length);
  lines.forEach((line, i) => {
    const cells = line.split(',');
    timestamps[i] = parseTimestamp(cells[ti] ?? '');
    values[i] = Number(cells[vi]);
  });
  return { timestamps, values };
}

/** Maps [start, end] timestamps onto the rows they cover: first row at or after start, last at or before end. */
export function windowRows(
  timestamps: Float64Array,
  start: number,
  end: number,
): [number, number] | undefined {
  let left = 0;
  while (left < timestamps.length && (timestamps[left] as number) < start) left++;
  let right = timestamps.length - 1;
  while (right >= 0 && (timestamps[right] as number) > end) right--;
  return left <= right ? [left, right] : undefined;
}

function csvFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.csv'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/**
 * Loads a NAB-format directory: data/<folder>/<file>.csv, labels/combined_windows.json and, if present,
 * profiles.json or config/profiles.json. Files absent from the windows file are skipped, as NAB does.
 */
export function loadCorpus(dir: string): Corpus {
  const dataDir = join(dir, 'data');
  const windowsPath = join(dir, 'labels', 'combined_windows.json');
  if (!existsSync(dataDir)) throw new Error(`${dir}: no data/ directory`);
  if (!existsSync(windowsPath)) throw new Error(`${dir}: no labels/combined_windows.json`);
  const labelled = readJson(windowsPath) as Record<string, [string, string][]>;
  const profilesPath = [join(dir, 'profiles.json'), join(dir, 'config', 'profiles.json')].find(existsSync);
  const profiles = profilesPath
    ? Object.fromEntries(
        Object.entries(readJson(profilesPath) as Record<string, { CostMatrix: CostMatrix }>).map(
          ([name, p]) => [name, p.CostMatrix],
        ),
      )
    : NAB_PROFILES;

  const files: DataFile[] = [];
  let windowCount = 0;
  for (const path of csvFiles(dataDir)) {
    const name = relative(dataDir, path).split(sep).join('/');
    const labels = labelled[name];
    if (!labels) continue;
    const { timestamps, values } = parseCsv(readFileSync(path, 'utf8'), name);
    windowCount += labels.length;
    const windows = labels.flatMap(([start, end]) => {
      const rows = windowRows(timestamps, parseTimestamp(start), parseTimestamp(end));
      return rows ? [rows] : [];
    });
    windows.sort((a, b) => a[0] - b[0]);
    files.push({ name, timestamps, values, windows });
  }
  if (files.length === 0) throw new Error(`${dir}: no labelled data files`);
  return { files, profiles, windowCount };
}
