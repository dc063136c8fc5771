/**
 * The series of one /probe answer, as blackbox_exporter's per-probe registry holds them: each kind sets its
 * own (`probe_http_duration_seconds{phase}`, `probe_dns_answer_rrs`, …) as it goes, and the answer lists
 * them sorted by name and labels, values formatted as Go formats them, so that a diff against
 * blackbox_exporter's output shows only real differences.
 */
import { labelText } from './exposition';

export type Labels = Record<string, string>;

export interface SeriesSet {
  /** Sets a gauge (with these labels) to `value`, registering its family with `help` on first use. */
  set(name: string, help: string, value: number, labels?: Labels): void;
  /** Adds to a gauge (starting from 0), as Go's Gauge.Add. */
  add(name: string, help: string, value: number, labels?: Labels): void;
  /** The current value, if set. */
  get(name: string, labels?: Labels): number | undefined;
  /** Removes a family (a series registered early that the outcome rules out). */
  delete(name: string): void;
}

interface Family {
  help: string;
  series: Map<string, { labels: Labels; value: number }>;
}

/** Label values in the labels' name order, so that {a,b} and {b,a} are one series. */
const keyOf = (labels: Labels | undefined) =>
  labels
    ? Object.keys(labels)
        .sort()
        .map((k) => `${k}\0${labels[k]}`)
        .join('\0')
    : '';

export class ProbeSeries implements SeriesSet {
  private readonly families = new Map<string, Family>();

  set(name: string, help: string, value: number, labels?: Labels): void {
    this.entry(name, help, labels).value = value;
  }

  add(name: string, help: string, value: number, labels?: Labels): void {
    this.entry(name, help, labels).value += value;
  }

  get(name: string, labels?: Labels): number | undefined {
    return this.families.get(name)?.series.get(keyOf(labels))?.value;
  }

  delete(name: string): void {
    this.families.delete(name);
  }

  /** A copy, so that a run that goes on after its timeout cannot change an answer already given. */
  clone(): ProbeSeries {
    const copy = new ProbeSeries();
    for (const [name, family] of this.families) {
      copy.families.set(name, {
        help: family.help,
        series: new Map([...family.series].map(([k, s]) => [k, { ...s }])),
      });
    }
    return copy;
  }

  /** Prometheus text format, families by name and series by label values (as client_golang gathers). */
  render(): string {
    const out: string[] = [];
    for (const name of [...this.families.keys()].sort()) {
      const family = this.families.get(name) as Family;
      out.push(`# HELP ${name} ${family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n`);
      out.push(`# TYPE ${name} gauge\n`);
      const series = [...family.series.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const seconds = name.endsWith('_seconds');
      for (const [, s] of series) {
        // Durations to the nanosecond, as Go's time.Duration has them (not performance.now()'s float noise).
        const value = seconds ? roundSeconds(s.value) : s.value;
        out.push(`${name}${labelText(sortedLabels(s.labels))} ${goFloat(value)}\n`);
      }
    }
    return out.join('');
  }

  private entry(name: string, help: string, labels: Labels | undefined) {
    let family = this.families.get(name);
    if (!family) {
      family = { help, series: new Map() };
      this.families.set(name, family);
    }
    const key = keyOf(labels);
    let series = family.series.get(key);
    if (!series) {
      series = { labels: labels ?? {}, value: 0 };
      family.series.set(key, series);
    }
    return series;
  }
}

const sortedLabels = (labels: Labels): Labels =>
  Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));

/** Seconds to the nanosecond (below 10^6 s, where a float still has the digits). */
export const roundSeconds = (value: number) =>
  Math.abs(value) < 1e6 ? Math.round(value * 1e9) / 1e9 : value;

/** A set that keeps nothing: the configured checks, whose /metrics series are fixed. */
export const NO_SERIES: SeriesSet = {
  set: () => undefined,
  add: () => undefined,
  get: () => undefined,
  delete: () => undefined,
};

/**
 * A float as Go's strconv.FormatFloat(v, 'g', -1, 64) writes it, which client_golang's text format uses:
 * the shortest digits, in exponent form (two exponent digits at least) below 1e-4 and from 1e6 on.
 */
export function goFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, expText] = value.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(value);
}

/** One line of blackbox's probe log, as `?debug=true` shows it (logfmt). */
export type ProbeLog = (
  msg: string,
  fields?: Record<string, unknown>,
  level?: 'info' | 'error' | 'debug',
) => void;

const logfmtValue = (value: unknown): string => {
  const text =
    value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : JSON.stringify(value);
  return /^[^\s"=]+$/.test(text ?? '') ? (text as string) : JSON.stringify(text ?? '');
};

/** Collects the log lines of one probe, with blackbox's module and target fields. */
export function probeLogger(module: string, target: string): { log: ProbeLog; lines: string[] } {
  const lines: string[] = [];
  const log: ProbeLog = (msg, fields = {}, level = 'info') => {
    const parts = [
      `ts=${new Date().toISOString()}`,
      `module=${logfmtValue(module)}`,
      `target=${logfmtValue(target)}`,
      `level=${level}`,
      `msg=${logfmtValue(msg)}`,
      ...Object.entries(fields)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${logfmtValue(v)}`),
    ];
    lines.push(parts.join(' '));
  };
  return { log, lines };
}
