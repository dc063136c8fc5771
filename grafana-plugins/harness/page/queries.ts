import type { RangeQuery } from './prometheus';

/**
 * The panel's queries, as on the Platform overview dashboard plus the breakdown: the recorded score,
 * the recorded signals, and dependency impact under the refId that names that signal.
 */
export const PANEL_QUERIES: RangeQuery[] = [
  { refId: 'A', expr: 'vigil:service_health_score' },
  { refId: 'B', expr: 'vigil:service_health_signal:ratio' },
  { refId: 'dependency', expr: 'max by (service) (vigil:service_dependency_down)' },
];
