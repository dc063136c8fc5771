import { selectors } from '../promql';
import type { Slo } from './spec';
import { durationSeconds } from './windows';

/** The PromQL an SLI boils down to, per range window. */
export interface SliQueries {
  /** Bad events per second over the window; 0 (not empty) when there were events but no errors. */
  errorRate(window: string): string;
  /** All events per second over the window. */
  totalRate(window: string): string;
  /**
   * Ratio of bad to all events over the window, straight from the SLI's own series. The generated rules
   * use it for no window any more (they divide recorded rates); kept as the baseline of `npm run bench:rules`.
   */
  errorRatio(window: string): string;
  /** Selector whose disappearance means the SLI can no longer be computed. */
  presence: string;
}

export function matchers(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
}

function withMatchers(metric: string, labels: Record<string, string>): string {
  const m = matchers(labels);
  return m ? `${metric}{${m}}` : metric;
}

/**
 * The ways an `le` label spells a bound: as written (Prometheus 2 keeps the client's "1") and as
 * Prometheus 3 normalises classic histograms' bounds ("1.0"), so the SLI works on either.
 */
export function leSpellings(seconds: number): string[] {
  const written = String(seconds);
  return Number.isInteger(seconds) ? [written, `${written}.0`] : [written];
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Labels that absent() gives its alert: those of the equality matchers of its one selector. */
export function absentLabels(expr: string): Record<string, string> {
  const [selector] = selectors(expr);
  return Object.fromEntries(
    (selector?.matchers ?? []).filter((m) => m.op === '=').map((m) => [m.label, m.value]),
  );
}

export function sliQueries(sli: Slo['sli']): SliQueries {
  if (sli.kind === 'events') {
    // An error counter that never incremented has no series; count that as zero errors.
    const errorRate = (w: string) => `sum(rate(${sli.errors}[${w}])) or vector(0)`;
    const total = (w: string) => `sum(rate(${sli.total}[${w}]))`;
    return {
      errorRate,
      totalRate: total,
      errorRatio: (w) => `(${errorRate(w)})\n/\n${total(w)}`,
      presence: sli.total,
    };
  }
  if (sli.kind === 'bool_gauge') {
    // Pyrra's bool-gauge indicator: each sample is an event, a 0 a bad one. Counted per second like the
    // other kinds, so that min_events_to_page reads "samples" and the recorded rates divide alike.
    const samples = (w: string) => `sum(count_over_time(${sli.selector}[${w}]))`;
    const good = (w: string) => `sum(sum_over_time(${sli.selector}[${w}]))`;
    return {
      errorRate: (w) => `(${samples(w)} - ${good(w)}) / ${durationSeconds(w)}`,
      totalRate: (w) => `${samples(w)} / ${durationSeconds(w)}`,
      errorRatio: (w) => `1 - ${good(w)} / ${samples(w)}`,
      presence: sli.selector,
    };
  }
  const count = withMatchers(`${sli.histogram}_count`, sli.labels);
  const le = `le=~${JSON.stringify(leSpellings(sli.threshold_seconds).map(escapeRegex).join('|'))}`;
  const good = `${sli.histogram}_bucket{${[matchers(sli.labels), le].filter(Boolean).join(',')}}`;
  const total = (w: string) => `sum(rate(${count}[${w}]))`;
  const errorRate = (w: string) => `${total(w)} - sum(rate(${good}[${w}]))`;
  return {
    errorRate,
    totalRate: total,
    errorRatio: (w) => `(${errorRate(w)})\n/\n${total(w)}`,
    // The threshold's bucket, not the count: a threshold that is no bucket bound has no such series, and
    // would otherwise count every request as slow without a word.
    presence: good,
  };
}
