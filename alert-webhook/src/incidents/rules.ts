/** Known severities, most urgent first; anything else ranks below them (and is kept as sent). */
export const SEVERITY_ORDER = ['critical', 'error', 'warning', 'info'] as const;

export function severityRank(severity: string): number {
  const i = (SEVERITY_ORDER as readonly string[]).indexOf(severity.toLowerCase());
  return i === -1 ? SEVERITY_ORDER.length : i;
}

export function highestSeverity(severities: Iterable<string>): string {
  let best: string | undefined;
  for (const s of severities) if (best === undefined || severityRank(s) < severityRank(best)) best = s;
  return best ?? 'none';
}

/**
 * The alert a group's incident is named, owned and routed by: its most urgent, the first of them in the
 * snapshot's order (of a non-empty list). Alertmanager orders a group's alerts by their labels, so the
 * first may be a warning beside a critical one.
 */
export function leadAlert<A extends { labels: Record<string, string> }>(alerts: readonly A[]): A {
  const urgency = (a: A) => severityRank(a.labels.severity ?? 'none');
  return alerts.reduce((lead, a) => (urgency(a) < urgency(lead) ? a : lead));
}

export type AlertDecision = 'new' | 'resolve' | 'refresh' | 'stale';

/**
 * How one alert of a snapshot changes what is stored for its occurrence (fingerprint + startsAt).
 * Resolved is final for an occurrence: a late or duplicate firing snapshot never moves it back.
 */
export function decideAlert(
  stored: 'firing' | 'resolved' | undefined,
  incoming: 'firing' | 'resolved',
): AlertDecision {
  if (stored === undefined) return 'new';
  if (stored === 'resolved') return 'stale';
  return incoming === 'resolved' ? 'resolve' : 'refresh';
}

/** The state machine is part of the API contract: the app shows what it allows. */
export { applyTransition, type Transition } from '@vigil/api-contract';
