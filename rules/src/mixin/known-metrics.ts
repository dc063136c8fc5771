/**
 * Metric names of the standard exporters that the mixin's rules and dashboards read, as Debian's
 * packages serve them (postgres_exporter 0.11, redis_exporter 1.45, process-exporter 0.7.10,
 * nginx-prometheus-exporter 0.11; their names differ from today's upstream docs in places).
 * provisioning/test/exporters.test.ts checks each against the real exporter's /metrics, and the rule
 * generator refuses a rule selecting a name that is in none of these lists nor produced by Vigil.
 */
export const EXPORTER_METRICS = {
  postgres: [
    'pg_up',
    'pg_settings_max_connections',
    'pg_stat_activity_count',
    'pg_stat_activity_max_tx_duration',
    'pg_stat_database_blks_hit',
    'pg_stat_database_blks_read',
    'pg_stat_database_deadlocks',
    'pg_stat_database_xact_commit',
    'pg_stat_database_xact_rollback',
    'pg_stat_database_numbackends',
    'pg_database_size_bytes',
    'pg_locks_count',
    // From provisioning/exporters/postgres-queries.yml.
    'pg_replication_lag',
    'pg_replication_is_replica',
  ],
  redis: [
    'redis_up',
    'redis_memory_used_bytes',
    'redis_memory_max_bytes',
    'redis_evicted_keys_total',
    'redis_rejected_connections_total',
    'redis_keyspace_hits_total',
    'redis_keyspace_misses_total',
    'redis_connected_clients',
    'redis_commands_processed_total',
    'redis_uptime_in_seconds',
  ],
  process: [
    'namedprocess_namegroup_num_procs',
    'namedprocess_namegroup_oldest_start_time_seconds',
    'namedprocess_namegroup_cpu_seconds_total',
    'namedprocess_namegroup_memory_bytes',
    'namedprocess_namegroup_open_filedesc',
  ],
  nginx: [
    'nginx_up',
    'nginx_connections_accepted',
    'nginx_connections_handled',
    'nginx_connections_active',
    'nginx_http_requests_total',
  ],
} as const;

export type ExporterName = keyof typeof EXPORTER_METRICS;

export const exporterMetricNames = (): string[] => Object.values(EXPORTER_METRICS).flat();

/**
 * Metrics Vigil itself produces that SLOs and the health score select, with their label names:
 * express-metrics' RED metrics, the health-check exporter's probe_success, alert-webhook's deliveries.
 * provisioning/test/dashboards-prometheus.test.ts checks them against the running stack's /metrics.
 */
export const VIGIL_METRICS: Record<string, readonly string[]> = {
  http_requests_total: ['service', 'route', 'method', 'status_class'],
  http_request_duration_seconds_bucket: ['service', 'route', 'method', 'status_class', 'le'],
  http_request_duration_seconds_count: ['service', 'route', 'method', 'status_class'],
  http_request_duration_seconds_sum: ['service', 'route', 'method', 'status_class'],
  probe_success: ['service', 'check'],
  vigil_webhook_requests_total: ['outcome'],
};

/**
 * Series of Vigil's services that the mixin's rules read and the live check above leaves out: the TLS
 * expiry only https checks serve (in exporters/health-check's golden metrics), and prom-client's event-loop
 * lag (every service's default metrics).
 */
export const OTHER_VIGIL_METRICS = ['probe_ssl_earliest_cert_expiry', 'nodejs_eventloop_lag_p99_seconds'];

/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = ['job', 'instance'];

/**
 * What is wrong with a selector's metric and label names, checked against the metrics known to exist
 * (the standard exporters' names, Vigil's with their labels); empty when nothing is. A typo here would
 * otherwise select nothing, and `or vector(0)` would turn it into "no errors".
 */
export function unknownSelectorNames(metric: string, labels: string[]): string[] {
  const vigil = VIGIL_METRICS[metric];
  if (vigil) {
    const known = new Set([...vigil, ...TARGET_LABELS]);
    return labels
      .filter((l) => !known.has(l))
      .map((l) => `${metric} has no label "${l}" (it has ${[...known].join(', ')})`);
  }
  if (exporterMetricNames().includes(metric)) return [];
  return [
    `no known metric is named ${metric} (rules/src/mixin/known-metrics.ts lists them; list a metric of the service's own under the spec's metrics)`,
  ];
}
