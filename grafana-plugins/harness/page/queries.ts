import type { RangeQuery } from './prometheus';

/**
 * The panel's queries, as on the Platform overview dashboard plus the breakdown: the recorded score,
 * the recorded signals, dependency impact under the refId that names that signal, and the measured
 * values behind the signals (refId raw_<signal>) that the breakdown shows beside each sub-score.
 */
export const PANEL_QUERIES: RangeQuery[] = [
  { refId: 'A', expr: 'vigil:service_health_score' },
  { refId: 'B', expr: 'vigil:service_health_signal:ratio' },
  { refId: 'dependency', expr: 'max by (service) (vigil:service_dependency_down)' },
  { refId: 'raw_availability', expr: 'avg by (service) (avg_over_time(probe_success[5m]))' },
  { refId: 'raw_latency', expr: 'service:http_request_duration_seconds:p95_rate5m' },
  { refId: 'raw_errors', expr: 'service:http_request_errors:ratio_rate5m' },
  { refId: 'raw_saturation', expr: 'max by (service) (nodejs_eventloop_lag_p99_seconds)' },
];
