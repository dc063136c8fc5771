import { MIXIN } from '@vigil/rules';
import {
  UID,
  build,
  row,
  statPanel,
  timeseriesPanel,
  variable,
  vigilDashboard,
  atLeast,
  below,
} from './common';

/**
 * A dashboard each for the standard exporters (Debian's postgres, redis, nginx and process exporters),
 * over the mixin's recording rules (rules/generated/mixin-*.rules.yml) and the metrics they read. The
 * Service dashboard links here with var-service set: the exporters' scrape jobs carry the service label of
 * the service they serve.
 */
const J = MIXIN.jobs;
const serviceVariable = (metric: string) =>
  variable({ name: 'service', label: 'Service', query: `label_values(${metric}, service)`, multi: true });
const S = (job: string) => `job="${job}", service=~"$service"`;

/** An exporter's up gauge per instance, green when 1. */
const upStat = (expr: string, width: number) =>
  statPanel('Up', {
    queries: [{ expr, legend: '{{instance}}', instant: true }],
    thresholds: atLeast(1),
    background: true,
    width,
    height: 5,
  });

export function postgresDashboard() {
  const s = S(J.postgres);
  const t = MIXIN.postgres;
  return build(
    vigilDashboard({
      uid: UID.postgres,
      title: 'Vigil / PostgreSQL',
      description:
        'PostgreSQL from prometheus-postgres-exporter: connections, transactions, cache, locks, replication.',
    })
      .withVariable(serviceVariable(`pg_up{job="${J.postgres}"}`))
      .withRow(row('Now'))
      .withPanel(upStat(`pg_up{${s}}`, 4))
      .withPanel(
        statPanel('Connections of max_connections', {
          description: `PostgresConnectionsNearMax fires above ${t.connectionsRatio * 100}%.`,
          queries: [{ expr: `instance:pg_connections:ratio{${s}}`, legend: '{{instance}}', instant: true }],
          unit: 'percentunit',
          thresholds: below(t.connectionsRatio),
          width: 5,
          height: 5,
        }),
      )
      .withPanel(
        statPanel('Cache hit ratio', {
          description: `Blocks read from shared buffers; PostgresCacheHitRatioLow fires below ${t.cacheHitRatio * 100}%.`,
          queries: [
            { expr: `instance:pg_cache_hit:ratio_rate5m{${s}}`, legend: '{{instance}}', instant: true },
          ],
          unit: 'percentunit',
          decimals: 1,
          thresholds: atLeast(0.99, t.cacheHitRatio),
          width: 5,
          height: 5,
        }),
      )
      .withPanel(
        statPanel('Longest transaction', {
          description: `PostgresLongTransaction fires above ${t.longTransactionSeconds} s.`,
          queries: [
            { expr: `instance:pg_longest_transaction:seconds{${s}}`, legend: '{{instance}}', instant: true },
          ],
          unit: 's',
          thresholds: below(t.longTransactionSeconds),
          width: 5,
          height: 5,
        }),
      )
      .withPanel(
        statPanel('Replication lag', {
          description: `0 on a primary; PostgresReplicationLag fires above ${t.replicationLagSeconds} s.`,
          queries: [{ expr: `pg_replication_lag{${s}}`, legend: '{{instance}}', instant: true }],
          unit: 's',
          thresholds: below(t.replicationLagSeconds),
          width: 5,
          height: 5,
        }),
      )
      .withRow(row('Over time'))
      .withPanel(
        timeseriesPanel('Connections by state', {
          queries: [
            { expr: `sum by (state) (pg_stat_activity_count{${s}})`, legend: '{{state}}' },
            { expr: `max(pg_settings_max_connections{${s}})`, legend: 'max_connections' },
          ],
          min: 0,
          width: 12,
        }),
      )
      .withPanel(
        timeseriesPanel('Transactions', {
          queries: [{ expr: `instance:pg_transactions:rate5m{${s}}`, legend: '{{instance}}' }],
          unit: 'ops',
          min: 0,
          width: 12,
        }),
      )
      .withPanel(
        timeseriesPanel('Deadlocks per 5 minutes', {
          queries: [{ expr: `instance:pg_deadlocks:increase5m{${s}}`, legend: '{{instance}}' }],
          min: 0,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Locks by mode', {
          queries: [{ expr: `sum by (mode) (pg_locks_count{${s}})`, legend: '{{mode}}' }],
          min: 0,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Database size', {
          queries: [{ expr: `sum by (datname) (pg_database_size_bytes{${s}})`, legend: '{{datname}}' }],
          unit: 'bytes',
          min: 0,
          width: 8,
        }),
      ),
  );
}

export function redisDashboard() {
  const s = S(J.redis);
  return build(
    vigilDashboard({
      uid: UID.redis,
      title: 'Vigil / Redis',
      description: 'Redis from prometheus-redis-exporter: memory, evictions, hit ratio, clients.',
    })
      .withVariable(serviceVariable(`redis_up{job="${J.redis}"}`))
      .withRow(row('Now'))
      .withPanel(upStat(`redis_up{${s}}`, 6))
      .withPanel(
        statPanel('Memory of maxmemory', {
          description: `No value without maxmemory; RedisMemoryNearMax fires above ${MIXIN.redis.memoryRatio * 100}%.`,
          queries: [{ expr: `instance:redis_memory:ratio{${s}}`, legend: '{{instance}}', instant: true }],
          unit: 'percentunit',
          thresholds: below(MIXIN.redis.memoryRatio),
          width: 6,
          height: 5,
        }),
      )
      .withPanel(
        statPanel('Hit ratio', {
          queries: [
            { expr: `instance:redis_cache_hit:ratio_rate5m{${s}}`, legend: '{{instance}}', instant: true },
          ],
          unit: 'percentunit',
          decimals: 1,
          thresholds: atLeast(0.9, 0.7),
          width: 6,
          height: 5,
        }),
      )
      .withPanel(
        statPanel('Connected clients', {
          queries: [{ expr: `sum(redis_connected_clients{${s}})`, instant: true }],
          width: 6,
          height: 5,
        }),
      )
      .withRow(row('Over time'))
      .withPanel(
        timeseriesPanel('Memory', {
          queries: [
            { expr: `redis_memory_used_bytes{${s}}`, legend: '{{instance}} used' },
            { expr: `redis_memory_max_bytes{${s}} > 0`, legend: '{{instance}} maxmemory' },
          ],
          unit: 'bytes',
          min: 0,
          width: 12,
        }),
      )
      .withPanel(
        timeseriesPanel('Commands', {
          queries: [
            {
              expr: `sum by (instance) (rate(redis_commands_processed_total{${s}}[$__rate_interval]))`,
              legend: '{{instance}}',
            },
          ],
          unit: 'ops',
          min: 0,
          width: 12,
        }),
      )
      .withPanel(
        timeseriesPanel('Evictions and rejected connections', {
          queries: [
            { expr: `instance:redis_evicted_keys:rate5m{${s}}`, legend: '{{instance}} evicted keys/s' },
            {
              expr: `instance:redis_rejected_connections:increase5m{${s}}`,
              legend: '{{instance}} rejected / 5m',
            },
          ],
          min: 0,
          width: 12,
        }),
      )
      .withPanel(
        timeseriesPanel('Hit ratio', {
          queries: [{ expr: `instance:redis_cache_hit:ratio_rate5m{${s}}`, legend: '{{instance}}' }],
          unit: 'percentunit',
          min: 0,
          max: 1,
          width: 12,
        }),
      ),
  );
}

export function nginxDashboard() {
  const s = S(J.nginx);
  return build(
    vigilDashboard({
      uid: UID.nginx,
      title: 'Vigil / Nginx',
      description: 'nginx as a load balancer, from prometheus-nginx-exporter (stub_status).',
    })
      .withVariable(serviceVariable(`nginx_up{job="${J.nginx}"}`))
      .withPanel(upStat(`nginx_up{${s}}`, 6))
      .withPanel(
        timeseriesPanel('Requests', {
          queries: [{ expr: `instance:nginx_http_requests:rate5m{${s}}`, legend: '{{instance}}' }],
          unit: 'reqps',
          min: 0,
          width: 18,
          height: 5,
        }),
      )
      .withPanel(
        timeseriesPanel('Active connections', {
          queries: [{ expr: `nginx_connections_active{${s}}`, legend: '{{instance}}' }],
          min: 0,
          width: 12,
        }),
      )
      .withPanel(
        timeseriesPanel('Dropped connections per 5 minutes', {
          description: 'Accepted but not handled: worker_connections reached (NginxDroppingConnections).',
          queries: [{ expr: `instance:nginx_connections_dropped:increase5m{${s}}`, legend: '{{instance}}' }],
          min: 0,
          thresholds: below(1),
          thresholdLines: true,
          width: 12,
        }),
      ),
  );
}

export function processesDashboard() {
  const s = `job="${J.process}", groupname=~"$groupname"`;
  return build(
    vigilDashboard({
      uid: UID.processes,
      title: 'Vigil / Processes',
      description:
        'Process groups from prometheus-process-exporter (provisioning/exporters/process-exporter.yml).',
    })
      .withVariable(
        variable({
          name: 'groupname',
          label: 'Process group',
          query: `label_values(namedprocess_namegroup_num_procs{job="${J.process}"}, groupname)`,
          multi: true,
        }),
      )
      .withPanel(
        statPanel('Processes', {
          queries: [
            { expr: `namedprocess_namegroup_num_procs{${s}}`, legend: '{{groupname}}', instant: true },
          ],
          thresholds: atLeast(1),
          width: 12,
          height: 5,
        }),
      )
      .withPanel(
        statPanel('Restarts in the last hour', {
          description: 'ProcessRestarting fires above 2.',
          queries: [
            { expr: `groupname:process_restarts:changes1h{${s}}`, legend: '{{groupname}}', instant: true },
          ],
          thresholds: below(3),
          width: 12,
          height: 5,
        }),
      )
      .withPanel(
        timeseriesPanel('CPU', {
          queries: [
            {
              expr: `sum by (groupname) (rate(namedprocess_namegroup_cpu_seconds_total{${s}}[$__rate_interval]))`,
              legend: '{{groupname}}',
            },
          ],
          unit: 'percentunit',
          min: 0,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Resident memory', {
          queries: [
            {
              expr: `namedprocess_namegroup_memory_bytes{${s}, memtype="resident"}`,
              legend: '{{groupname}}',
            },
          ],
          unit: 'bytes',
          min: 0,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Open file descriptors', {
          queries: [{ expr: `namedprocess_namegroup_open_filedesc{${s}}`, legend: '{{groupname}}' }],
          min: 0,
          width: 8,
        }),
      ),
  );
}
