/**
 * The Vigil mixin's one config, as kubernetes-mixin's config.libsonnet: job names, health weights and
 * bands, thresholds and retention, read by the rule generator (rules/generated/), the dashboards
 * (provisioning/dashboards), the health-score panel's defaults and the stacks' command lines. Change it
 * here and run `npm run rules:generate` and `npm run dashboards:generate`; never edit their output.
 */
export interface HealthSignal {
  /** Weight in the weighted mean; signals a service lacks do not count. */
  weight: number;
}

export const MIXIN = {
  /** Prometheus job names, as provisioning/prometheus/prometheus.yml scrapes them. */
  jobs: {
    postgres: 'postgres',
    redis: 'redis',
    process: 'process',
    nginx: 'nginx',
    healthCheck: 'health-check',
  },
  health: {
    /** vigil:service_health_weight per signal (rules/README.md: Service health score). */
    weights: { availability: 0.4, latency: 0.25, errors: 0.25, saturation: 0.1 },
    /** Apdex target T and the tolerated 4T, both prom-client default bucket bounds (seconds). */
    apdexSeconds: { satisfied: 0.25, tolerated: 1 },
    /** The error ratio that scores 0 (no errors scores 1). */
    errorRatioBad: 0.05,
    /** Event-loop lag p99 (seconds): up to good scores 1, bad or more scores 0. */
    eventLoopLagSeconds: { good: 0.05, bad: 0.5 },
    /** Score bands: below warning is warning, below critical is critical. */
    bands: { warning: 85, critical: 65 },
    /** How long a score must stay in a band before it alerts. */
    alertFor: { warning: '15m', critical: '10m' },
  },
  certificates: {
    /** probe_ssl_earliest_cert_expiry closer than this alerts: warning, then critical. */
    expiryDays: { warning: 14, critical: 7 },
  },
  postgres: {
    /** Connections over this share of max_connections alert. */
    connectionsRatio: 0.8,
    replicationLagSeconds: 30,
    longTransactionSeconds: 300,
    /** Blocks found in shared buffers below this share alert. */
    cacheHitRatio: 0.9,
  },
  redis: {
    /** used_memory over this share of maxmemory alerts. */
    memoryRatio: 0.9,
  },
  runbooks: {
    /**
     * Where rules/runbooks/ is served: every alert's runbook_url is this followed by `<Alert>.md`, in the
     * generated rule files and, rewritten by `npm run rules:generate`, in the hand-written ones and their tests.
     */
    baseUrl: 'https://github.com/vigil/vigil/blob/main/rules/runbooks/',
  },
  retention: {
    /** Prometheus: full resolution, --storage.tsdb.retention.time and .size. */
    prometheus: { time: '90d', size: '50GB' },
    /** The long-term store (VictoriaMetrics): ':'-named aggregates only, one sample per resolution. */
    longTerm: { period: '2y', resolution: '5m' },
  },
} as const;

export type Mixin = typeof MIXIN;

/** Prometheus's flags for the mixin's retention and for exemplars (the native stack and compose). */
export function prometheusStorageFlags(mixin: Mixin = MIXIN): string[] {
  return [
    `--storage.tsdb.retention.time=${mixin.retention.prometheus.time}`,
    `--storage.tsdb.retention.size=${mixin.retention.prometheus.size}`,
    '--enable-feature=exemplar-storage',
  ];
}

/** VictoriaMetrics's flags for the long-term store: the retention and the 5-minute resolution. */
export function victoriaMetricsFlags(mixin: Mixin = MIXIN): string[] {
  return [
    `-retentionPeriod=${mixin.retention.longTerm.period}`,
    `-dedup.minScrapeInterval=${mixin.retention.longTerm.resolution}`,
  ];
}

/**
 * Remote write keeps only recording rules' aggregates: names with a ':' (level:metric:operations), which
 * raw series never have.
 */
export const LONG_TERM_RELABEL = {
  source_labels: ['__name__'],
  regex: '.+:.+',
  action: 'keep',
} as const;
