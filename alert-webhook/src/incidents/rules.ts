import type { IncidentStatus } from '../db/schema';

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

export type Transition = 'acknowledge' | 'resolve' | 'reopen';

const ALLOWED: Record<Transition, { from: IncidentStatus[]; to: IncidentStatus }> = {
  acknowledge: { from: ['triggered'], to: 'acknowledged' },
  resolve: { from: ['triggered', 'acknowledged'], to: 'resolved' },
  reopen: { from: ['resolved'], to: 'triggered' },
};

/**
 * The state machine triggered → acknowledged → resolved, and reopen. Asking for the state an incident is
 * already in is a no-op ('unchanged'), so that a twice-clicked link or a client retry is harmless.
 */
export function applyTransition(
  current: IncidentStatus,
  transition: Transition,
): { outcome: 'changed'; status: IncidentStatus } | { outcome: 'unchanged' } | { outcome: 'invalid' } {
  const rule = ALLOWED[transition];
  if (current === rule.to) return { outcome: 'unchanged' };
  if (rule.from.includes(current)) return { outcome: 'changed', status: rule.to };
  return { outcome: 'invalid' };
}
