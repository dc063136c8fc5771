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
  const good = withMatchers(`${sli.histogram}_bucket`, { ...sli.labels, le: String(sli.threshold_seconds) });
  const total = (w: string) => `sum(rate(${count}[${w}]))`;
  return {
    errorRatio: (w) => `(${total(w)} - sum(rate(${good}[${w}])))\n/\n${total(w)}`,
    totalRate: total,
    presence: count,
  };
}
