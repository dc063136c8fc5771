import { runbookUrl } from '../paths';
import type { Rule } from '../rulefiles';
import { MIXIN, type Mixin } from './config';

/** A rule file as Prometheus reads it. */
export interface RuleGroups {
  groups: { name: string; interval?: string; rules: Rule[] }[];
}

interface AlertSpec {
  alert: string;
  expr: string;
  for: string;
  severity: 'critical' | 'warning' | 'info';
  component: string;
  summary: string;
  description: string;
}

const alert = (a: AlertSpec): Rule => ({
  alert: a.alert,
  expr: a.expr,
  for: a.for,
  labels: { severity: a.severity, component: a.component },
  annotations: { summary: a.summary, description: a.description, runbook_url: runbookUrl(a.alert) },
});

const percent = (ratio: number) => `${Math.round(ratio * 100)}%`;

/** prometheus-postgres-exporter (Debian 0.11, provisioning/exporters/postgres-queries.yml). */
export function postgresRules(m: Mixin = MIXIN): RuleGroups {
  const job = `job="${m.jobs.postgres}"`;
  const t = m.postgres;
  return {
    groups: [
      {
        name: 'postgres',
        rules: [
          {
            record: 'instance:pg_connections:ratio',
            expr: `sum by (job, instance, service) (pg_stat_activity_count{${job}})\n/ on (job, instance, service) max by (job, instance, service) (pg_settings_max_connections{${job}})`,
          },
          {
            record: 'instance:pg_cache_hit:ratio_rate5m',
            expr: `sum by (job, instance, service) (rate(pg_stat_database_blks_hit{${job}}[5m]))\n/ (\n  sum by (job, instance, service) (rate(pg_stat_database_blks_hit{${job}}[5m]))\n  + sum by (job, instance, service) (rate(pg_stat_database_blks_read{${job}}[5m]))\n)`,
          },
          {
            record: 'instance:pg_deadlocks:increase5m',
            expr: `sum by (job, instance, service) (increase(pg_stat_database_deadlocks{${job}}[5m]))`,
          },
          {
            record: 'instance:pg_transactions:rate5m',
            expr: `sum by (job, instance, service) (rate(pg_stat_database_xact_commit{${job}}[5m]) + rate(pg_stat_database_xact_rollback{${job}}[5m]))`,
          },
          {
            record: 'instance:pg_longest_transaction:seconds',
            expr: `max by (job, instance, service) (pg_stat_activity_max_tx_duration{${job}})`,
          },
          alert({
            alert: 'PostgresConnectionsNearMax',
            expr: `instance:pg_connections:ratio > ${t.connectionsRatio}`,
            for: '5m',
            severity: 'warning',
            component: 'postgres',
            summary:
              'PostgreSQL {{ $labels.instance }} uses {{ $value | humanizePercentage }} of max_connections',
            description: `Connections have been above ${percent(t.connectionsRatio)} of max_connections for 5 minutes; new clients will soon be refused.`,
          }),
          alert({
            alert: 'PostgresReplicationLag',
            expr: `max by (job, instance, service) (pg_replication_lag{${job}}) > ${t.replicationLagSeconds}`,
            for: '5m',
            severity: 'warning',
            component: 'postgres',
            summary: 'PostgreSQL replica {{ $labels.instance }} is {{ $value | humanizeDuration }} behind',
            description: `The replica's replay has been more than ${t.replicationLagSeconds} s behind its primary for 5 minutes; reads from it are stale and a fail-over would lose that much.`,
          }),
          alert({
            alert: 'PostgresLongTransaction',
            expr: `instance:pg_longest_transaction:seconds > ${t.longTransactionSeconds}`,
            for: '2m',
            severity: 'warning',
            component: 'postgres',
            summary:
              'PostgreSQL {{ $labels.instance }} has a transaction open for {{ $value | humanizeDuration }}',
            description: `A transaction has been open for more than ${t.longTransactionSeconds} s; it holds locks and keeps vacuum from cleaning up.`,
          }),
          alert({
            alert: 'PostgresDeadlocks',
            expr: 'instance:pg_deadlocks:increase5m > 0',
            for: '5m',
            severity: 'warning',
            component: 'postgres',
            summary: 'PostgreSQL {{ $labels.instance }} is deadlocking',
            description:
              'Transactions have been aborted as deadlocked in every 5 minutes for 5 minutes: two code paths take the same locks in opposite orders.',
          }),
          alert({
            alert: 'PostgresCacheHitRatioLow',
            expr: `instance:pg_cache_hit:ratio_rate5m < ${t.cacheHitRatio}`,
            for: '15m',
            severity: 'warning',
            component: 'postgres',
            summary:
              'PostgreSQL {{ $labels.instance }} finds {{ $value | humanizePercentage }} of blocks in its cache',
            description: `Less than ${percent(t.cacheHitRatio)} of block reads have been served from shared buffers for 15 minutes: queries wait on disk.`,
          }),
        ],
      },
    ],
  };
}

/** prometheus-redis-exporter (Debian 1.45). */
export function redisRules(m: Mixin = MIXIN): RuleGroups {
  const job = `job="${m.jobs.redis}"`;
  return {
    groups: [
      {
        name: 'redis',
        rules: [
          {
            // maxmemory 0 means no limit: no ratio, no alert.
            record: 'instance:redis_memory:ratio',
            expr: `max by (job, instance, service) (redis_memory_used_bytes{${job}})\n/ max by (job, instance, service) (redis_memory_max_bytes{${job}} > 0)`,
          },
          {
            record: 'instance:redis_cache_hit:ratio_rate5m',
            expr: `sum by (job, instance, service) (rate(redis_keyspace_hits_total{${job}}[5m]))\n/ (\n  sum by (job, instance, service) (rate(redis_keyspace_hits_total{${job}}[5m]))\n  + sum by (job, instance, service) (rate(redis_keyspace_misses_total{${job}}[5m]))\n)`,
          },
          {
            record: 'instance:redis_evicted_keys:rate5m',
            expr: `sum by (job, instance, service) (rate(redis_evicted_keys_total{${job}}[5m]))`,
          },
          {
            record: 'instance:redis_rejected_connections:increase5m',
            expr: `sum by (job, instance, service) (increase(redis_rejected_connections_total{${job}}[5m]))`,
          },
          alert({
            alert: 'RedisMemoryNearMax',
            expr: `instance:redis_memory:ratio > ${m.redis.memoryRatio}`,
            for: '5m',
            severity: 'warning',
            component: 'redis',
            summary: 'Redis {{ $labels.instance }} uses {{ $value | humanizePercentage }} of maxmemory',
            description: `Memory has been above ${percent(m.redis.memoryRatio)} of maxmemory for 5 minutes; Redis evicts keys or refuses writes at the limit.`,
          }),
          alert({
            alert: 'RedisEvictingKeys',
            expr: 'instance:redis_evicted_keys:rate5m > 0',
            for: '10m',
            severity: 'warning',
            component: 'redis',
            summary: 'Redis {{ $labels.instance }} evicts {{ printf "%.2f" $value }} keys/s',
            description:
              'Redis has been evicting keys to stay under maxmemory for 10 minutes: the cache is too small for its working set.',
          }),
          alert({
            alert: 'RedisRejectedConnections',
            expr: 'instance:redis_rejected_connections:increase5m > 0',
            for: '1m',
            severity: 'critical',
            component: 'redis',
            summary: 'Redis {{ $labels.instance }} refuses connections',
            description:
              'Redis has refused client connections (maxclients reached) in the last 5 minutes: clients fail.',
          }),
        ],
      },
    ],
  };
}

/** prometheus-process-exporter (Debian 0.7.10, provisioning/exporters/process-exporter.yml). */
export function processRules(m: Mixin = MIXIN): RuleGroups {
  const job = `job="${m.jobs.process}"`;
  return {
    groups: [
      {
        name: 'process',
        rules: [
          {
            // A group's oldest start time moves when its oldest process is started again.
            record: 'groupname:process_restarts:changes1h',
            expr: `changes(namedprocess_namegroup_oldest_start_time_seconds{${job}}[1h])`,
          },
          alert({
            alert: 'ProcessRestarting',
            expr: 'groupname:process_restarts:changes1h > 2',
            for: '5m',
            severity: 'warning',
            component: 'process',
            summary:
              '{{ $labels.groupname }} on {{ $labels.instance }} restarted {{ $value }} times in an hour',
            description:
              'The process group has been started again more than twice in the last hour: it crashes or is killed (look for OOM kills and its own log).',
          }),
          alert({
            alert: 'ProcessNotRunning',
            expr: `namedprocess_namegroup_num_procs{${job}} == 0`,
            for: '2m',
            severity: 'critical',
            component: 'process',
            summary: 'No {{ $labels.groupname }} process runs on {{ $labels.instance }}',
            description: 'The process group has had no process for 2 minutes.',
          }),
        ],
      },
    ],
  };
}

/** prometheus-nginx-exporter (Debian 0.11) on nginx's stub_status: the load balancer. */
export function nginxRules(m: Mixin = MIXIN): RuleGroups {
  const job = `job="${m.jobs.nginx}"`;
  return {
    groups: [
      {
        name: 'nginx',
        rules: [
          {
            record: 'instance:nginx_http_requests:rate5m',
            expr: `sum by (job, instance, service) (rate(nginx_http_requests_total{${job}}[5m]))`,
          },
          {
            // Accepted but not handled: dropped for lack of worker connections.
            record: 'instance:nginx_connections_dropped:increase5m',
            expr: `sum by (job, instance, service) (increase(nginx_connections_accepted{${job}}[5m]) - increase(nginx_connections_handled{${job}}[5m]))`,
          },
          alert({
            alert: 'NginxDroppingConnections',
            expr: 'instance:nginx_connections_dropped:increase5m > 0',
            for: '5m',
            severity: 'warning',
            component: 'nginx',
            summary: 'nginx {{ $labels.instance }} drops connections',
            description:
              'nginx has accepted connections it could not handle (worker_connections reached) for 5 minutes: clients of the load balancer see resets.',
          }),
        ],
      },
    ],
  };
}

/** The health-score bands and certificate expiry. */
export function healthAlertRules(m: Mixin = MIXIN): RuleGroups {
  // Each warning also holds in its critical band, so it never stops while the critical alert is pending.
  const { bands, alertFor } = m.health;
  const { warning, critical } = m.certificates.expiryDays;
  const expiresIn = 'probe_ssl_earliest_cert_expiry - time()';
  return {
    groups: [
      {
        name: 'health-score-alerts',
        rules: [
          alert({
            alert: 'ServiceHealthScoreCritical',
            expr: `vigil:service_health_score < ${bands.critical}`,
            for: alertFor.critical,
            severity: 'critical',
            component: 'health-score',
            summary: '{{ $labels.service }} health score is {{ $value | humanize }}',
            description: `The health score of {{ $labels.service }} has been below ${bands.critical} (critical band) for ${alertFor.critical}.`,
          }),
          alert({
            alert: 'ServiceHealthScoreWarning',
            expr: `vigil:service_health_score < ${bands.warning}`,
            for: alertFor.warning,
            severity: 'warning',
            component: 'health-score',
            summary: '{{ $labels.service }} health score is {{ $value | humanize }}',
            description: `The health score of {{ $labels.service }} has been below ${bands.warning} (the warning band starts there) for ${alertFor.warning}.`,
          }),
        ],
      },
      {
        name: 'certificates',
        rules: [
          alert({
            alert: 'CertificateExpiringCritical',
            expr: `${expiresIn} < ${critical} * 86400`,
            for: '10m',
            severity: 'critical',
            component: 'certificates',
            summary: 'The certificate of {{ $labels.instance }} expires in {{ $value | humanizeDuration }}',
            description: `A certificate served by {{ $labels.instance }} expires in under ${critical} days.`,
          }),
          alert({
            alert: 'CertificateExpiringWarning',
            expr: `${expiresIn} < ${warning} * 86400`,
            for: '10m',
            severity: 'warning',
            component: 'certificates',
            summary: 'The certificate of {{ $labels.instance }} expires in {{ $value | humanizeDuration }}',
            description: `A certificate served by {{ $labels.instance }} expires in under ${warning} days.`,
          }),
        ],
      },
    ],
  };
}

/** Every rule file the mixin config generates, by name under rules/generated/. */
export function mixinRuleFiles(m: Mixin = MIXIN): Record<string, RuleGroups> {
  return {
    'mixin-postgres.rules.yml': postgresRules(m),
    'mixin-redis.rules.yml': redisRules(m),
    'mixin-process.rules.yml': processRules(m),
    'mixin-nginx.rules.yml': nginxRules(m),
    'mixin-health-alerts.rules.yml': healthAlertRules(m),
  };
}
