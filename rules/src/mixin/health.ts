import type { Rule } from '../rulefiles';
import { leSpellings } from '../slo/sli';
import { MIXIN, type Mixin } from './config';
import type { RuleGroups } from './rules';

/**
 * Only series that name their service are scored: the same metrics without the label (our own services'
 * event-loop lag, a blackbox probe of a bare URL) would otherwise add up to one nameless service.
 */
const NAMED = 'service!=""';

/** The health score's signals in the order the rules record them (and the panel lists them). */
export const HEALTH_SIGNALS = ['availability', 'latency', 'errors', 'saturation'] as const;

/**
 * Application RED from express-metrics and the 0-100 health score per service (rules/README.md: Service
 * health score), from the mixin's weights and signal thresholds. Inputs: probe_success{service,check}
 * from the health-check exporter; http_requests_total{service,route,method,status_class} and
 * http_request_duration_seconds{service} from express-metrics; nodejs_eventloop_lag_p99_seconds{service}.
 */
export function healthScoreRules(m: Mixin = MIXIN): RuleGroups {
  const h = m.health;
  const { satisfied, tolerated } = h.apdexSeconds;
  const lag = h.eventLoopLagSeconds;
  // Prometheus 3 spells the bound 1 as "1.0": match both, as the latency SLIs do.
  const le = (seconds: number) => `le=~"${leSpellings(seconds).join('|').replace(/\./g, '\\\\.')}"`;
  const signal = (name: (typeof HEALTH_SIGNALS)[number], expr: string): Rule => ({
    record: 'vigil:service_health_signal:ratio',
    expr,
    labels: { signal: name },
  });
  return {
    groups: [
      {
        name: 'service-red',
        rules: [
          {
            record: 'service:http_requests:rate5m',
            expr: `sum by (service) (rate(http_requests_total{${NAMED}}[5m]))`,
          },
          {
            // A service without a single 5xx has no such series: its ratio is 0, not missing.
            record: 'service:http_request_errors:ratio_rate5m',
            expr: `(\n  sum by (service) (rate(http_requests_total{${NAMED},status_class="5xx"}[5m]))\n  or service:http_requests:rate5m * 0\n)\n/ service:http_requests:rate5m`,
          },
          {
            record: 'service:http_request_duration_seconds:p95_rate5m',
            expr: `histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket{${NAMED}}[5m])))`,
          },
          {
            // Apdex: satisfied up to T, tolerating up to 4T; (bucket(T) + bucket(4T)) / 2 / count.
            record: 'service:http_request_apdex:ratio_rate5m',
            expr: `(\n  sum by (service) (rate(http_request_duration_seconds_bucket{${NAMED},${le(satisfied)}}[5m]))\n  + sum by (service) (rate(http_request_duration_seconds_bucket{${NAMED},${le(tolerated)}}[5m]))\n) / 2\n/ sum by (service) (rate(http_request_duration_seconds_count{${NAMED}}[5m]))`,
          },
        ],
      },
      {
        name: 'service-health-score',
        rules: [
          // They need not add up to 1: the score divides by the weights of the signals a service has.
          ...HEALTH_SIGNALS.map((name) => ({
            record: 'vigil:service_health_weight',
            expr: `vector(${h.weights[name]})`,
            labels: { signal: name },
          })),
          signal('availability', `avg by (service) (avg_over_time(probe_success{${NAMED}}[5m]))`),
          signal('latency', 'service:http_request_apdex:ratio_rate5m'),
          signal('errors', `clamp(1 - service:http_request_errors:ratio_rate5m / ${h.errorRatioBad}, 0, 1)`),
          signal(
            'saturation',
            `clamp(1 - (max by (service) (nodejs_eventloop_lag_p99_seconds{${NAMED}}) - ${lag.good}) / ${Number((lag.bad - lag.good).toFixed(6))}, 0, 1)`,
          ),
          {
            // Weighted mean of the signals a service has, 0-100. `>= 0` drops NaN signals (no traffic).
            record: 'vigil:service_health_score',
            expr:
              '100\n* sum by (service) (\n  (vigil:service_health_signal:ratio >= 0) * on (signal) group_left () vigil:service_health_weight\n)\n' +
              '/ sum by (service) (\n  (vigil:service_health_signal:ratio >= 0) * 0 + on (signal) group_left () vigil:service_health_weight\n)',
          },
        ],
      },
    ],
  };
}

/**
 * The health-score panel's queries as the Platform overview dashboard runs them: the recorded score, the
 * signals (the breakdown), dependency impact, and the measured values behind the signals under the
 * refIds the panel reads them by (its README: Queries).
 */
export const HEALTH_PANEL_QUERIES: readonly { refId: string; expr: string }[] = [
  { refId: 'A', expr: 'vigil:service_health_score' },
  { refId: 'B', expr: 'vigil:service_health_signal:ratio' },
  // 0 for every checked service without a dependency down: none impacted is an answer, not a gap.
  {
    refId: 'dependency',
    expr: 'max by (service) (vigil:service_dependency_down) or max by (service) (healthcheck_service_status) * 0',
  },
  { refId: 'raw_availability', expr: `avg by (service) (avg_over_time(probe_success{${NAMED}}[5m]))` },
  { refId: 'raw_latency', expr: 'service:http_request_duration_seconds:p95_rate5m' },
  { refId: 'raw_errors', expr: 'service:http_request_errors:ratio_rate5m' },
  { refId: 'raw_saturation', expr: `max by (service) (nodejs_eventloop_lag_p99_seconds{${NAMED}})` },
];

/**
 * grafana-plugins/vigil-healthscore-panel/src/health/mixin.generated.ts: the panel's default weights and
 * bands, so that its self-computed score is the recorded one.
 */
export function panelDefaultsSource(m: Mixin = MIXIN): string {
  const weights = HEALTH_SIGNALS.map((s) => `    ${s}: ${m.health.weights[s]},`).join('\n');
  return [
    '// Generated by `npm run rules:generate` from the mixin config, rules/src/mixin/config.ts. Do not edit.',
    '',
    "/** The health score's weights and bands, as vigil:service_health_score records them. */",
    'export const MIXIN_HEALTH = {',
    '  weights: {',
    weights,
    '  },',
    `  bands: { warning: ${m.health.bands.warning}, critical: ${m.health.bands.critical} },`,
    '} as const;',
    '',
    '/** The queries the Platform overview gives the panel (rules/src/mixin/health.ts: HEALTH_PANEL_QUERIES). */',
    'export const MIXIN_PANEL_QUERIES = [',
    ...HEALTH_PANEL_QUERIES.map(({ refId, expr }) => {
      const line = `  { refId: '${refId}', expr: '${expr}' },`;
      // As prettier would write it (printWidth 110), so that the lint passes on the generated file.
      return line.length <= 110 ? line : `  {\n    refId: '${refId}',\n    expr: '${expr}',\n  },`;
    }),
    '] as const;',
    '',
  ].join('\n');
}
