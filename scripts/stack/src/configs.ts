import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_PORTS, type Component, type Ports } from './options';

/**
 * The native stack runs from provisioning/'s files, which target the default loopback ports. These
 * functions move each target to the port its component really has, and drop targets of components this
 * stack does not run (so Prometheus never reports a target down that was never started).
 */
export interface Placement {
  ports: Ports;
  running: ReadonlySet<Component>;
}

/** `127.0.0.1:<default port>` → `127.0.0.1:<actual port>`; undefined when that component is not running. */
export function relocate(target: string, placement: Placement): string | undefined {
  const match = /^127\.0\.0\.1:(\d+)$/.exec(target);
  const component = (Object.keys(DEFAULT_PORTS) as Component[]).find(
    (c) => String(DEFAULT_PORTS[c]) === match?.[1],
  );
  if (!component) throw new Error(`${target}: not a loopback target on a known default port`);
  return placement.running.has(component) ? `127.0.0.1:${placement.ports[component]}` : undefined;
}

/** A URL on a default loopback port moved to its component's port; undefined when it is not running. */
export function relocateUrl(text: string, placement: Placement): string | undefined {
  const url = new URL(text);
  const target = relocate(url.host, placement);
  if (!target) return undefined;
  url.host = target;
  return url.toString();
}

interface StaticConfig {
  targets: string[];
  [key: string]: unknown;
}
interface PrometheusConfig {
  global?: Record<string, unknown>;
  rule_files?: string[];
  alerting?: { alertmanagers?: { static_configs?: StaticConfig[] }[] };
  scrape_configs?: { job_name: string; static_configs?: StaticConfig[] }[];
  remote_write?: { url: string; [key: string]: unknown }[];
  [key: string]: unknown;
}

function relocateAll(configs: StaticConfig[] = [], placement: Placement): StaticConfig[] {
  return configs
    .map((c) => ({
      ...c,
      targets: c.targets.map((t) => relocate(t, placement)).filter((t): t is string => t !== undefined),
    }))
    .filter((c) => c.targets.length > 0);
}

/** The source's rule_files patterns as absolute paths: the generated file lives in the data directory. */
export function ruleFilePatterns(source: PrometheusConfig, sourceDir: string): string[] {
  return (source.rule_files ?? []).map((f) => (isAbsolute(f) ? f : resolve(sourceDir, f)));
}

export function prometheusConfig(
  source: PrometheusConfig,
  sourceDir: string,
  placement: Placement,
  intervals: { scrape?: string; evaluation?: string },
): PrometheusConfig {
  const scrape = intervals.scrape ?? source.global?.scrape_interval;
  const evaluation = intervals.evaluation ?? intervals.scrape ?? source.global?.evaluation_interval;
  return {
    ...source,
    global: { ...source.global, scrape_interval: scrape, evaluation_interval: evaluation },
    rule_files: ruleFilePatterns(source, sourceDir),
    alerting: {
      ...source.alerting,
      alertmanagers: source.alerting?.alertmanagers?.map((am) => ({
        ...am,
        static_configs: relocateAll(am.static_configs, placement),
      })),
    },
    // Remote write only to a long-term store this stack runs.
    remote_write: source.remote_write
      ?.map((w) => ({ ...w, url: relocateUrl(w.url, placement) }))
      .filter((w): w is typeof w & { url: string } => w.url !== undefined),
    scrape_configs: source.scrape_configs
      ?.map((job) => ({ ...job, static_configs: relocateAll(job.static_configs, placement) }))
      .filter((job) => job.static_configs.length > 0),
  };
}

interface WebhookConfig {
  url: string;
  http_config?: { authorization?: { credentials_file?: string; [key: string]: unknown } };
  [key: string]: unknown;
}
interface AlertmanagerConfig {
  route?: Record<string, unknown>;
  receivers?: { name: string; webhook_configs?: WebhookConfig[] }[];
  [key: string]: unknown;
}

export function alertmanagerConfig(
  source: AlertmanagerConfig,
  placement: Placement,
  tokenFile: string,
  timings: { groupWait?: string; groupInterval?: string; repeatInterval?: string },
): AlertmanagerConfig {
  const moveUrl = (text: string) => {
    const url = relocateUrl(text, placement);
    if (!url) throw new Error(`${text}: Alertmanager would deliver to a component that is not running`);
    return url;
  };
  const defined = (o: Record<string, string | undefined>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return {
    ...source,
    route: {
      ...source.route,
      ...defined({
        group_wait: timings.groupWait,
        group_interval: timings.groupInterval,
        repeat_interval: timings.repeatInterval,
      }),
    },
    receivers: source.receivers?.map((r) => ({
      ...r,
      webhook_configs: r.webhook_configs?.map((w) => ({
        ...w,
        url: moveUrl(w.url),
        // Provisioning names the container path /etc/vigil/webhook-token; natively it is the stack's file.
        http_config: w.http_config?.authorization
          ? {
              ...w.http_config,
              authorization: { ...w.http_config.authorization, credentials_file: tokenFile },
            }
          : w.http_config,
      })),
    })),
  };
}

/** The sections of docker-compose's receiver config that the native stack shares. */
const SHARED_SECTIONS = ['notifications', 'users', 'oncall', 'escalation_policies', 'routing', 'heartbeats'];

export interface ReceiverSource {
  notifications: { channels: Record<string, { kind: string; smtp?: Record<string, unknown> }> };
  escalation_policies: { steps: { kind: string; duration?: string }[] }[];
  [key: string]: unknown;
}

export interface ReceiverSettings {
  port: number;
  dataDir: string;
  /** Files holding the webhook's bearer token, the admin API token and the ack links' signing key. */
  secrets: { webhookToken: string; apiToken: string; ackSecret: string };
  smtpPort: number;
  /** Grafana's URL when it runs, so that emails link to the incident in the incidents app. */
  grafanaUrl?: string;
  /** Replaces every wait step's duration in the escalation policies (tests and demos). */
  escalateAfter?: string;
}

/**
 * alert-webhook for the native stack. Who is notified, how and when (channels, escalation policies,
 * routing) comes from docker-compose's receiver config, so both stacks page the same way; email goes to
 * the stack's SMTP catcher instead of Mailpit. The rest is the native stack's own: loopback, the
 * database in the data directory, secrets from its files, and signed ack links pointing at this receiver.
 */
export function webhookReceiverConfig(source: ReceiverSource, s: ReceiverSettings) {
  const catcher = { host: '127.0.0.1', port: s.smtpPort };
  const channels = Object.entries(source.notifications.channels).map(([name, channel]) => [
    name,
    channel.kind === 'email' ? { ...channel, smtp: { ...channel.smtp, ...catcher } } : channel,
  ]);
  return {
    server: { listen_address: '127.0.0.1', port: s.port, public_url: `http://127.0.0.1:${s.port}` },
    storage: { sqlite: { path: resolve(s.dataDir, 'alert-webhook', 'vigil.db') } },
    webhook: { bearer_token: { file: s.secrets.webhookToken } },
    api: { tokens: [{ name: 'stack', role: 'admin', token: { file: s.secrets.apiToken } }] },
    ...(s.grafanaUrl && { grafana: { url: s.grafanaUrl } }),
    ...Object.fromEntries(SHARED_SECTIONS.filter((k) => k in source).map((k) => [k, source[k]])),
    notifications: {
      ...source.notifications,
      channels: Object.fromEntries(channels),
      ack_links: { secret: { file: s.secrets.ackSecret } },
    },
    escalation_policies: source.escalation_policies.map((policy) => ({
      ...policy,
      steps: policy.steps.map((step) =>
        step.kind === 'wait' ? { ...step, duration: s.escalateAfter ?? step.duration } : step,
      ),
    })),
  };
}

export function healthCheckConfig(port: number, demoPort: number, interval: string) {
  return {
    server: { listen_address: '127.0.0.1', port },
    log_level: 'info',
    services: {
      demo: {
        description: 'The express-metrics demo service',
        checks: [
          {
            name: 'healthz',
            kind: 'http',
            url: `http://127.0.0.1:${demoPort}/healthz`,
            interval,
            // A loopback check answers in milliseconds; the timeout may not exceed the interval.
            timeout: interval,
            expected_status: [200],
          },
        ],
      },
    },
  };
}

/** Where nginx, the demo's load balancer, writes its access log (the log exporter reads it). */
export const accessLogOf = (dataDir: string) => resolve(dataDir, 'logs', 'nginx-access.log');

/**
 * The log exporter tails the stack's own Node services' logs (pino JSON) and counts their error lines, and
 * reads nginx's access log with the security pack on (the Security dashboard's HTTP panels).
 */
export function logsConfig(port: number, dataDir: string) {
  return {
    server: { listen_address: '127.0.0.1', port },
    state_file: resolve(dataDir, 'logs-offsets.json'),
    sources: {
      stack: {
        input: {
          kind: 'file',
          include: ['demo', 'alert-webhook', 'health-check'].map((c) => resolve(dataDir, 'logs', `${c}.log`)),
        },
        parser: { kind: 'json' },
      },
      lb: { input: { kind: 'file', include: [accessLogOf(dataDir)] }, parser: { kind: 'combined' } },
    },
    security: { enabled: true, sources: ['lb'] },
    metrics: [
      {
        name: 'stack_log_error_lines_total',
        type: 'counter',
        help: "Error and fatal lines in the native stack's Node service logs.",
        sources: ['stack'],
        match: { level: '^(50|60)$' },
      },
    ],
  };
}

/** The anomaly exporter watches the demo's request rate, with a short history so it starts at once. */
export function anomalyConfig(port: number, prometheusUrl: string, step: string) {
  return {
    server: { listen_address: '127.0.0.1', port },
    prometheus: { url: prometheusUrl },
    step,
    history: '1h',
    queries: [
      { name: 'demo_request_rate', query: 'sum by (service) (rate(http_requests_total{job="demo"}[1m]))' },
    ],
  };
}
