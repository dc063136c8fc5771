import { matchesAll, parseMatchers, type Matcher } from './matchers';
import type { IncidentDetail } from './types';

/** The matchers of a window, or undefined if one does not parse (such a window covers nothing). */
export function compileMatchers(texts: readonly string[]): Matcher[] | undefined {
  try {
    return texts.flatMap(parseMatchers);
  } catch {
    return undefined;
  }
}

/**
 * Whether a window with these matchers covers the incident, as alert-webhook's windowFor decides it: every
 * firing alert matches them (every alert, once none fires).
 */
export function covers(matchers: readonly Matcher[] | undefined, incident: IncidentDetail): boolean {
  if (!matchers || matchers.length === 0) return false;
  const firing = incident.alerts.filter((a) => a.status === 'firing');
  const labels = (firing.length > 0 ? firing : incident.alerts).map((a) => a.labels);
  return labels.length > 0 && labels.every((l) => matchesAll(matchers, l));
}

/** The incidents among `incidents` that a window with these matcher strings covers. */
export const coveredBy = (texts: readonly string[], incidents: readonly IncidentDetail[]) => {
  const matchers = compileMatchers(texts);
  return incidents.filter((i) => covers(matchers, i));
};
