import { MIXIN } from '@vigil/rules';
import {
  HEALTH_BANDS,
  UID,
  alertAnnotations,
  atLeast,
  below,
  build,
  row,
  stateTimelinePanel,
  statPanel,
  tablePanel,
  timeseriesPanel,
  variable,
  vigilDashboard,
} from './common';

const S = 'service="$service"';

/** A link to a backend's dashboard showing this service's instances, keeping the time range. */
const backendLink = (title: string, uid: string) => ({
  title,
  url: `/d/${uid}?var-service=\${service}&\${__url_time_range}`,
});

/**
 * The service's database, cache and load balancer: the standard exporters' scrape jobs carry the service
 * label of the service they serve (provisioning/prometheus/prometheus.yml), so the same $service selects
 * them; each stat links to its dashboard.
 */
const backendStats = () => {
  const { jobs, postgres, redis } = MIXIN;
  const S_ = (job: string) => `job="${job}", ${S}`;
  return [
    statPanel('Database connections', {
      description: 'PostgreSQL connections of max_connections (instance:pg_connections:ratio).',
      queries: [
        {
          expr: `instance:pg_connections:ratio{${S_(jobs.postgres)}}`,
          legend: '{{instance}}',
          instant: true,
        },
      ],
      unit: 'percentunit',
      thresholds: below(postgres.connectionsRatio),
      links: [backendLink('PostgreSQL dashboard', UID.postgres)],
      width: 6,
      height: 5,
    }),
    statPanel('Database cache hit ratio', {
      queries: [
        {
          expr: `instance:pg_cache_hit:ratio_rate5m{${S_(jobs.postgres)}}`,
          legend: '{{instance}}',
          instant: true,
        },
      ],
      unit: 'percentunit',
      decimals: 1,
      thresholds: atLeast(postgres.cacheHitRatio),
      links: [backendLink('PostgreSQL dashboard', UID.postgres)],
      width: 6,
      height: 5,
    }),
    statPanel('Cache hit ratio', {
      description: 'Redis keyspace hits of lookups (instance:redis_cache_hit:ratio_rate5m).',
      queries: [
        {
          expr: `instance:redis_cache_hit:ratio_rate5m{${S_(jobs.redis)}}`,
          legend: '{{instance}}',
          instant: true,
        },
      ],
      unit: 'percentunit',
      decimals: 1,
      links: [backendLink('Redis dashboard', UID.redis)],
      width: 6,
      height: 5,
    }),
    statPanel('Cache memory', {
      description: 'Redis memory of maxmemory; no value without a maxmemory.',
      queries: [
        { expr: `instance:redis_memory:ratio{${S_(jobs.redis)}}`, legend: '{{instance}}', instant: true },
      ],
      unit: 'percentunit',
      thresholds: below(redis.memoryRatio),
      links: [backendLink('Redis dashboard', UID.redis)],
      width: 6,
      height: 5,
    }),
  ];
};

/** One latency quantile of express-metrics' histogram, over the service's routes. */
const quantile = (q: number) => ({
  expr: `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket{${S}}[$__rate_interval])))`,
  legend: `p${q * 100}`,
});

/**
 * One service: its health score and the signals behind it, RED from express-metrics, the health-check
 * exporter's checks and dependencies, and the anomaly exporter's bands for series labelled with the service.
 */
export function serviceDashboard() {
  const builder = vigilDashboard({
    uid: UID.service,
    title: 'Vigil / Service',
    description:
      'One service: health score, RED metrics, its database and cache, health checks, dependencies and anomaly bands.',
  })
    .annotations(alertAnnotations(S))
    .withVariable(
      variable({
        name: 'service',
        label: 'Service',
        // Every service with a health signal: from health checks, from HTTP metrics, or both.
        query: 'label_values(vigil:service_health_signal:ratio, service)',
      }),
    )
    .withRow(row('Health'))
    .withPanel(
      statPanel('Health score', {
        description: 'vigil:service_health_score: the weighted mean of the signals on the right, 0-100.',
        queries: [{ expr: `vigil:service_health_score{${S}}`, instant: true }],
        thresholds: HEALTH_BANDS,
        min: 0,
        max: 100,
        decimals: 0,
        background: true,
        width: 4,
        height: 7,
      }),
    )
    .withPanel(
      statPanel('Status', {
        description:
          'From the health-check exporter: ok, degraded (some checks fail), down, or impacted (a dependency is down).',
        queries: [
          {
            expr: `max by (status) (healthcheck_service_status{${S}}) == 1`,
            legend: '{{status}}',
            instant: true,
          },
        ],
        text: 'name',
        width: 4,
        height: 7,
      }),
    )
    .withPanel(
      timeseriesPanel('Health signals', {
        description: 'Each signal of the score, 1 being perfect (rules/prometheus/health-score.rules.yml).',
        queries: [{ expr: `vigil:service_health_signal:ratio{${S}}`, legend: '{{signal}}' }],
        unit: 'percentunit',
        min: 0,
        max: 1,
        width: 16,
        height: 7,
      }),
    )
    .withRow(row('Requests (RED)'))
    .withPanel(
      timeseriesPanel('Request rate by route', {
        queries: [
          {
            expr: `sum by (route) (rate(http_requests_total{${S}}[$__rate_interval]))`,
            legend: '{{route}}',
          },
        ],
        unit: 'reqps',
        min: 0,
        stack: true,
        width: 8,
      }),
    )
    .withPanel(
      timeseriesPanel('Errors (5xx) by route', {
        description: 'Share of requests answered with a 5xx; the errors signal reaches 0 at 5%.',
        queries: [
          {
            expr:
              `sum by (route) (rate(http_requests_total{${S}, status_class="5xx"}[$__rate_interval]))` +
              ` / sum by (route) (rate(http_requests_total{${S}}[$__rate_interval]))`,
            legend: '{{route}}',
          },
        ],
        unit: 'percentunit',
        min: 0,
        thresholds: [
          ['green', null],
          ['red', 0.05],
        ],
        thresholdLines: true,
        width: 8,
      }),
    )
    .withPanel(
      timeseriesPanel('Duration', {
        description: 'Latency quantiles over every route; the latency signal is the Apdex with T = 0.25 s.',
        queries: [quantile(0.5), quantile(0.95), quantile(0.99)],
        unit: 's',
        min: 0,
        width: 8,
      }),
    )
    .withPanel(
      timeseriesPanel('Requests in flight', {
        queries: [{ expr: `sum(http_requests_in_flight{${S}})`, legend: 'in flight' }],
        min: 0,
        width: 8,
        height: 6,
      }),
    )
    .withPanel(
      timeseriesPanel('Event-loop lag p99', {
        description: 'The saturation signal: 1 up to 50 ms, 0 from 500 ms.',
        queries: [{ expr: `max(nodejs_eventloop_lag_p99_seconds{${S}})`, legend: 'p99' }],
        unit: 's',
        min: 0,
        width: 8,
        height: 6,
      }),
    )
    .withPanel(
      timeseriesPanel('Status classes', {
        description: 'Requests by status class; a request the client abandoned counts as 4xx.',
        queries: [
          {
            expr: `sum by (status_class) (rate(http_requests_total{${S}}[$__rate_interval]))`,
            legend: '{{status_class}}',
          },
        ],
        unit: 'reqps',
        min: 0,
        stack: true,
        width: 8,
        height: 6,
      }),
    )
    .withRow(row('Database and cache'));
  for (const panel of backendStats()) builder.withPanel(panel);
  return build(
    builder
      .withRow(row('Health checks'))
      .withPanel(
        stateTimelinePanel('Checks', {
          description: 'probe_success of each check of the service.',
          queries: [{ expr: `probe_success{${S}}`, legend: '{{check}}' }],
          states: [
            [1, 'pass', 'green'],
            [0, 'fail', 'red'],
          ],
          thresholds: [
            ['red', null],
            ['green', 1],
          ],
          width: 12,
        }),
      )
      .withPanel(
        timeseriesPanel('Check duration', {
          queries: [{ expr: `probe_duration_seconds{${S}}`, legend: '{{check}}' }],
          unit: 's',
          min: 0,
          width: 12,
        }),
      )
      .withPanel(
        tablePanel('Dependencies down', {
          description: 'Dependencies of this service that are down now (vigil:service_dependency_down).',
          queries: [{ expr: `vigil:service_dependency_down{${S}} == 1` }],
          width: 8,
          height: 6,
        }),
      )
      .withPanel(
        tablePanel('Root causes', {
          description:
            'For an impacted service: the down services at the bottom of its failing dependency chain.',
          queries: [{ expr: `healthcheck_root_cause_info{${S}} == 1` }],
          hide: ['job', 'instance'],
          width: 8,
          height: 6,
        }),
      )
      .withPanel(
        statPanel('Certificate expires in', {
          description: `Earliest certificate expiry of each HTTPS check. CertificateExpiringWarning fires under ${MIXIN.certificates.expiryDays.warning} days, CertificateExpiringCritical under ${MIXIN.certificates.expiryDays.critical}.`,
          queries: [
            { expr: `probe_ssl_earliest_cert_expiry{${S}} - time()`, legend: '{{check}}', instant: true },
          ],
          unit: 's',
          thresholds: [
            ['red', null],
            ['orange', MIXIN.certificates.expiryDays.critical * 86400],
            ['green', MIXIN.certificates.expiryDays.warning * 86400],
          ],
          width: 8,
          height: 6,
        }),
      )
      .withRow(row('Anomalies'))
      .withPanel(
        timeseriesPanel('Expected value and normal band', {
          description:
            "The anomaly exporter's model of each of its queries' series labelled with this service: the expected value between the band's edges.",
          queries: [
            { expr: `anomaly_expected_value{${S}}`, legend: '{{query}} expected' },
            { expr: `anomaly_upper_band{${S}}`, legend: '{{query}} upper' },
            { expr: `anomaly_lower_band{${S}}`, legend: '{{query}} lower' },
          ],
          width: 16,
        }).overrideByRegexp('(upper|lower)$', [
          { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
          { id: 'custom.fillOpacity', value: 0 },
        ]),
      )
      .withPanel(
        timeseriesPanel('Anomaly score', {
          description:
            'The highest score of the samples each pull learnt (anomaly_score_max: every step, and all the steps a pull catches up on after Prometheus was slow or down): 0 ordinary, 1 most unusual; MetricAnomaly fires above 0.5 for 1m.',
          queries: [{ expr: `anomaly_score_max{${S}}`, legend: '{{query}}' }],
          min: 0,
          max: 1,
          thresholds: [
            ['green', null],
            ['red', 0.5],
          ],
          thresholdLines: true,
          width: 8,
        }),
      ),
  );
}
