/** The stack's components, named like their Prometheus jobs where they have one. */
export const COMPONENTS = [
  'prometheus',
  'victoria-metrics',
  'alertmanager',
  'grafana',
  'node',
  'alert-webhook',
  'health-check',
  'logs',
  'anomaly',
  'demo',
  'postgres',
  'redis',
  'process',
  'nginx',
  'smtp',
] as const;
export type Component = (typeof COMPONENTS)[number];
export type Ports = Record<Component, number>;

/** The default ports; the provisioning files' loopback targets use these. smtp is Mailpit's. */
export const DEFAULT_PORTS: Ports = {
  prometheus: 9090,
  'victoria-metrics': 8428,
  alertmanager: 9093,
  grafana: 3000,
  node: 9100,
  'alert-webhook': 9096,
  'health-check': 9470,
  logs: 9471,
  anomaly: 9472,
  demo: 8080,
  // The standard exporters (Debian's packages): their usual ports.
  postgres: 9187,
  redis: 9121,
  process: 9256,
  nginx: 9113,
  smtp: 1025,
};

export interface StackOptions {
  /** Where every component keeps its data, logs and generated config; default `<repo>/.stack`. */
  dataDir?: string;
  /** Component i of COMPONENTS listens on basePort + i (so several stacks can run side by side). */
  basePort?: number;
  /** Per-component ports; win over basePort. */
  ports?: Partial<Ports>;
  /** Prometheus scrape (and, unless given, evaluation) interval; default: provisioning's. */
  scrapeInterval?: string;
  evaluationInterval?: string;
  /** Alertmanager's route timings; default: provisioning's. */
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  /** How often the health-check exporter checks the demo service; default 15s. */
  checkInterval?: string;
  /**
   * For tests and demos only: alerting rules whose `for:` is replaced, by alert name (e.g. `{ServiceDown:
   * '5s'}`), so that a fault pages in seconds. The shipped rule files are never changed: Prometheus loads
   * rewritten copies from the data directory.
   */
  alertFor?: Record<string, string>;
  /** The wait between the default escalation policy's steps; default 5m. */
  escalateAfter?: string;
  /** Progress lines (which component started, what was skipped); default: silent. */
  log?: (line: string) => void;
}

const DURATION = /^(\d+(ms|s|m|h|d|w))+$/;

/** Refuses a malformed duration here, with the option's name, rather than as a child's startup failure. */
export function checkDurations(options: StackOptions): void {
  // Named as `npm run stack` spells them.
  const durations = {
    '--scrape-interval': options.scrapeInterval,
    '--evaluation-interval': options.evaluationInterval,
    '--group-wait': options.groupWait,
    '--group-interval': options.groupInterval,
    '--repeat-interval': options.repeatInterval,
    '--check-interval': options.checkInterval,
    '--escalate-after': options.escalateAfter,
    ...Object.fromEntries(
      Object.entries(options.alertFor ?? {}).map(([alert, d]) => [`--alert-for ${alert}`, d]),
    ),
  };
  for (const [name, value] of Object.entries(durations)) {
    if (value !== undefined && !DURATION.test(value))
      throw new Error(`${name}: "${value}" is not a duration like 5s or 1m30s`);
  }
}

export function resolvePorts(basePort?: number, ports: Partial<Ports> = {}): Ports {
  const entries = COMPONENTS.map((c, i) => [c, ports[c] ?? (basePort ? basePort + i : DEFAULT_PORTS[c])]);
  return Object.fromEntries(entries) as Ports;
}
