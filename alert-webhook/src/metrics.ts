import { sql } from 'kysely';
import { within } from '@vigil/service-kit';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Config } from './config';
import type { Db } from './db/database';
import { SEVERITY_ORDER } from './incidents/rules';
import type { RouteNode } from './routing/tree';

/** The label value that stands for every value past the bounds. */
export const OTHER = 'other';
/** Team names seen in alerts that get a series of their own beyond the configured ones, and their longest. */
export const MAX_UNCONFIGURED_TEAMS = 50;
export const MAX_TEAM_LENGTH = 64;

/** What the bounds read from the configuration: its SLA targets and its teams. */
export type LabelConfig = Pick<Config, 'routing' | 'reports'>;

/**
 * Label values that come from alert data, bounded: an alert's labels are anyone's to write, and each new
 * value of a metric label is a new series kept for the life of the process.
 * - severity: the severities that rank (critical, error, warning, info), those `reports.sla` names, and
 *   `none` (no severity label), matched regardless of case; anything else is `other`.
 * - team: the teams the configuration names (routes, report schedules) and `none`; then the first
 *   MAX_UNCONFIGURED_TEAMS other names seen, of at most MAX_TEAM_LENGTH characters; then `other`.
 */
export class MetricLabels {
  private readonly known = new WeakMap<
    LabelConfig,
    { severities: Map<string, string>; teams: Set<string> }
  >();
  private readonly unconfiguredTeams = new Set<string>();

  constructor(private readonly config: () => LabelConfig) {}

  private sets() {
    const config = this.config();
    let sets = this.known.get(config);
    if (!sets) {
      const severities = new Map<string, string>();
      for (const s of [...SEVERITY_ORDER, ...config.reports.sla.map((t) => t.severity), 'none']) {
        if (!severities.has(s.toLowerCase())) severities.set(s.toLowerCase(), s);
      }
      const teams = new Set<string>(['none']);
      const walk = (route: RouteNode) => {
        if (route.team !== undefined) teams.add(route.team);
        route.routes.forEach(walk);
      };
      walk(config.routing);
      for (const schedule of config.reports.schedules)
        if (schedule.team !== undefined) teams.add(schedule.team);
      sets = { severities, teams };
      this.known.set(config, sets);
    }
    return sets;
  }

  /**
   * The severities that rank or have an SLA target, and the configured teams (with `none`): the label
   * values a metric may give series at 0 before their first event.
   */
  configured(): { severities: string[]; teams: string[] } {
    const { severities, teams } = this.sets();
    return { severities: [...new Set(severities.values())].filter((s) => s !== 'none'), teams: [...teams] };
  }

  severity(value: string): string {
    return this.sets().severities.get(value.toLowerCase()) ?? OTHER;
  }

  team(value: string | null): string {
    const name = value ?? 'none';
    if (this.sets().teams.has(name) || this.unconfiguredTeams.has(name)) return name;
    if (name.length > MAX_TEAM_LENGTH || this.unconfiguredTeams.size >= MAX_UNCONFIGURED_TEAMS) return OTHER;
    this.unconfiguredTeams.add(name);
    return name;
  }
}

export type WebhookOutcome = 'accepted' | 'invalid' | 'unauthorized' | 'too_large' | 'unavailable' | 'error';

/**
 * The receiver's own metrics; process, Node.js, build and reload series come from the service kit's runtime.
 * `config` is read at each scrape, so that a reloaded configuration's severities and teams take effect.
 */
export function createMetrics(db: Db, config: () => LabelConfig, leads: () => boolean = () => true) {
  const registry = new Registry();
  const labels = new MetricLabels(config);
  new Gauge({
    name: 'vigil_leader',
    help: 'Whether this replica holds the leader lease (1): the one that escalates, delivers, prunes and sends reports. Always 1 on SQLite.',
    registers: [registry],
    collect() {
      this.set(leads() ? 1 : 0);
    },
  });
  const webhookRequests = new Counter({
    name: 'vigil_webhook_requests_total',
    help: 'Alertmanager webhook deliveries, by outcome.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const alertsReceived = new Counter({
    name: 'vigil_webhook_alerts_received_total',
    help: 'Alerts in accepted webhook deliveries, by the status the sender gave them.',
    labelNames: ['status'],
    registers: [registry],
  });
  const processingDuration = new Histogram({
    name: 'vigil_webhook_processing_duration_seconds',
    help: 'Time to merge one accepted delivery into incidents (a batch merged together shares its time).',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const inboxFailed = new Counter({
    name: 'vigil_inbox_failed_total',
    help: 'Stored deliveries that could not be merged into incidents (kept in the inbox with the error).',
    registers: [registry],
  });
  new Gauge({
    name: 'vigil_db_up',
    help: 'Whether the database answered this scrape (1); at 0 the series read from it keep their last values.',
    registers: [registry],
    async collect() {
      const answered = sql`select 1`.execute(db).then(
        () => 1,
        () => 0,
      );
      this.set(await within(answered, DB_READ_MS, () => 0));
    },
  });
  new Gauge({
    name: 'vigil_inbox_pending',
    help: 'Stored deliveries not yet merged into incidents.',
    registers: [registry],
    async collect() {
      const row = await db
        .selectFrom('inbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('processed_at', 'is', null)
        .executeTakeFirstOrThrow();
      this.set(Number(row.n));
    },
  });
  new Gauge({
    name: 'vigil_incidents_open',
    help: 'Incidents not yet resolved, by severity and status.',
    labelNames: ['severity', 'status'],
    registers: [registry],
    async collect() {
      const rows = await db
        .selectFrom('incidents')
        .select(['severity', 'status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('status', '<>', 'resolved')
        .groupBy(['severity', 'status'])
        .execute();
      this.reset();
      // Several stored severities may count under `other`: their counts add up.
      const counts = new Map<string, { severity: string; status: string; n: number }>();
      for (const r of rows) {
        const severity = labels.severity(r.severity);
        const key = `${severity}\u0000${r.status}`;
        const entry = counts.get(key) ?? { severity, status: r.status, n: 0 };
        entry.n += Number(r.n);
        counts.set(key, entry);
      }
      for (const { severity, status, n } of counts.values()) this.set({ severity, status }, n);
    },
  });
  const notifications = new Counter({
    name: 'vigil_notifications_total',
    help: 'Notifications delivered or given up on after their retries, by integration (email, slack, …), outcome and channel.',
    // integration and outcome first, as Alertmanager's; the channel names which one to look at.
    labelNames: ['integration', 'outcome', 'channel'],
    registers: [registry],
  });
  const notificationRequestsFailed = new Counter({
    name: 'vigil_notification_requests_failed_total',
    help: 'Attempts (requests) that failed, retried or not, by integration and reason: clientError (an HTTP 4xx, or a message refused for good), serverError (another error reply, an SMTP 4xx included), other (no reply: refused, timed out, TLS).',
    labelNames: ['integration', 'reason'],
    registers: [registry],
  });
  const notificationLatency = new Histogram({
    name: 'vigil_notification_latency_seconds',
    help: 'Time of one attempt (request and reply), by integration.',
    labelNames: ['integration'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
    registers: [registry],
  });
  const notificationsHeld = new Counter({
    name: 'vigil_notifications_held_total',
    help: 'Notifications held back instead of sent (recorded on the incident), by reason: flapping, storm (sent later in a digest) or maintenance.',
    labelNames: ['reason'],
    registers: [registry],
  });
  for (const reason of ['flapping', 'storm', 'maintenance']) notificationsHeld.inc({ reason }, 0);
  const escalationSteps = new Counter({
    name: 'vigil_escalation_steps_total',
    help: 'Escalation policy steps fired.',
    registers: [registry],
  });
  return {
    registry,
    labels,
    webhookRequests,
    alertsReceived,
    processingDuration,
    inboxFailed,
    notifications,
    notificationRequestsFailed,
    notificationLatency,
    notificationsHeld,
    escalationSteps,
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

const tolerant = new WeakSet<object>();

/**
 * How long a scrape waits for a read from the database: within Prometheus's default scrape_timeout (10 s),
 * so that a database gone without a reset (a failover, a network cut) does not fail the scrape.
 */
export const DB_READ_MS = 5000;

/**
 * The page Prometheus scrapes. A series read from the database (incidents open, the inbox, heartbeats,
 * reports, its size) keeps its last value when the database does not answer, or not within DB_READ_MS,
 * and vigil_db_up says so: one failed read would otherwise fail the whole page, process and leader series
 * included, which are what an operator needs during that outage, and Prometheus would take the receiver
 * for down.
 */
export function scrapePage(registry: Registry): Promise<string> {
  for (const metric of registry.getMetricsAsArray()) {
    if (tolerant.has(metric)) continue;
    tolerant.add(metric);
    const m = metric as unknown as { collect?: () => unknown };
    const collect = m.collect;
    if (collect)
      m.collect = async function (this: unknown) {
        const read = Promise.resolve(collect.call(this)).catch(() => undefined);
        await within(read, DB_READ_MS, () => undefined);
      };
  }
  return registry.metrics();
}

export const FAILURE_REASONS = ['clientError', 'serverError', 'other'] as const;

/**
 * Alertmanager's reasons: a 4xx (or a message refused for good, as an SMTP 550) is the request's fault,
 * another reply the receiver's, no reply at all is other. SMTP says which it is itself: its 4xx (451, a
 * greylisting or a full queue) is the server's trouble for now, its 5xx a refusal for good.
 */
export function failureReason(outcome: {
  status?: number;
  permanent?: boolean;
}): (typeof FAILURE_REASONS)[number] {
  const { status, permanent } = outcome;
  if (status === undefined) return 'other';
  if (permanent !== undefined) return permanent ? 'clientError' : 'serverError';
  return status >= 400 && status < 500 ? 'clientError' : 'serverError';
}
