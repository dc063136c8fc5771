import type { Slo } from './spec';

/** The PromQL an SLI boils down to, per range window. */
export interface SliQueries {
  /** Ratio of bad to all events over the window; 0 (not empty) when there were events but no errors. */
  errorRatio(window: string): string;
  totalRate(window: string): string;
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

export function sliQueries(sli: Slo['sli']): SliQueries {
  if (sli.kind === 'events') {
    const total = (w: string) => `sum(rate(${sli.total}[${w}]))`;
    return {
      // An error counter that never incremented has no series; count that as zero errors.
      errorRatio: (w) => `(sum(rate(${sli.errors}[${w}])) or vector(0))\n/\n${total(w)}`,
      totalRate: total,
      presence: sli.total,
    };
  }
  const count = withMatchers(`${sli.histogram}_count`, sli.labels);
  const le = `le=~${JSON.stringify(leSpellings(sli.threshold_seconds).map(escapeRegex).join('|'))}`;
  const good = `${sli.histogram}_bucket{${[matchers(sli.labels), le].filter(Boolean).join(',')}}`;
  const total = (w: string) => `sum(rate(${count}[${w}]))`;
  return {
    errorRatio: (w) => `(${total(w)} - sum(rate(${good}[${w}])))\n/\n${total(w)}`,
    totalRate: total,
    // The threshold's bucket, not the count: a threshold that is no bucket bound has no such series, and
    // would otherwise count every request as slow without a word.
    presence: good,
  };
}
