import { Router, type RequestHandler } from 'express';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { finishApp, Runtime, sendError, serviceApp } from '@vigil/service-kit';
import { IDENTITY } from './identity';
import type { Config } from './config';
import { isTransientDbError, type Db } from './db/database';
import type { LeaderLease } from './leader/lease';
import { Inbox } from './inbox/inbox';
import { createMetrics, scrapePage, type Metrics } from './metrics';
import { incidentsRouter } from './api/incidents';
import { oncallRouter } from './api/oncall';
import { postmortemsRouter } from './api/postmortems';
import { usersRouter } from './api/users';
import { whoamiRouter } from './api/whoami';
import { notificationsRouter } from './api/notifications';
import { webhookRouter } from './webhook/route';
import { ackRouter } from './api/ack';
import { maintenanceRouter } from './api/maintenance';
import { NoiseControl } from './noise/control';
import { Dispatcher } from './dispatch/dispatcher';
import { Escalator } from './escalation/escalator';
import { createChannels } from './notify/registry';
import { slackRouter } from './api/slack';
import type { NotificationChannel } from './notify/message';
import { systemClock, type Clock } from './notify/clock';
import { reportsRouter } from './api/reports';
import { openApiRouter } from './api/openapi';
import { auditRouter } from './api/audit';
import { registerReportMetrics } from './reports/metrics';
import { ReportScheduler, emailMailers } from './reports/schedule';
import { PrometheusSlo, sloNotConfigured } from './reports/slo';
import { Heartbeats } from './heartbeats/tracker';
import { registerHeartbeatMetrics } from './heartbeats/metrics';

export interface AppOptions {
  /** Channels by name; built from the configuration unless given (tests give their own clock-driven ones). */
  channels?: ReadonlyMap<string, NotificationChannel>;
  clock?: Clock;
  /** With several replicas on PostgreSQL: only the lease holder delivers notifications and escalates. */
  lease?: LeaderLease;
  /** Process metrics, build info and reload state; one per process (tests get their own). */
  runtime?: Runtime;
  /** Test seam (see InboxOptions.mergeThread): false merges in process. */
  mergeThread?: boolean;
}

/**
 * What the configuration decides, rebuilt whole on a reload: the API routes (tokens, schedules, webhook
 * credentials), notification channels, escalation, noise control and report schedules. The database, the
 * inbox and the leader lease live on across reloads.
 */
interface Parts {
  routes: Router;
  dispatcher: Dispatcher;
  escalator: Escalator;
  noise: NoiseControl;
  reports: ReportScheduler;
  heartbeats: Heartbeats;
}

export function createApp(initial: Config, db: Db, log: Logger, options: AppOptions = {}) {
  const { lease } = options;
  const metrics = createMetrics(db, () => config, lease && (() => lease.isLeader()));
  const clock = options.clock ?? systemClock;
  const runtime = options.runtime ?? new Runtime(IDENTITY);
  let config = initial;
  registerReportMetrics(metrics.registry, db, () => config.reports.sla, clock, metrics.labels);
  const inbox = new Inbox(db, {
    ...mergeOptions(initial),
    log,
    metrics,
    onMerged: () => parts.dispatcher.kick(),
    sqlite: initial.storage.postgres ? undefined : initial.storage.sqlite,
    postgres: initial.storage.postgres,
    mergeThread: options.mergeThread,
  });
  // Heartbeats count as missing only a timeout after the receiver started: it may have been down a while.
  const startedAt = new Date(clock.now()).toISOString();
  // The notifications being delivered, one set for every dispatcher a reload builds: see reload().
  const delivering = new Set<number>();
  let parts = build(initial);
  registerHeartbeatMetrics(metrics.registry, () => parts.heartbeats);

  function build(cfg: Config): Parts {
    const policies = new Map(cfg.escalation_policies.map((p) => [p.name, p]));
    const kick = () => parts.dispatcher.kick();
    const noise = new NoiseControl(db, cfg.noise, cfg.maintenance_windows, {
      log,
      metrics,
      onQueued: kick,
      ...(cfg.alertmanagerHttp && { alertmanagerHttp: cfg.alertmanagerHttp }),
    });
    const channels = options.channels ?? createChannels(cfg.notifications.channels, db);
    const threads = new Set(
      [...channels.values()].filter((c) => c.events?.includes('timeline')).map((c) => c.name),
    );
    const dispatcher = new Dispatcher(db, channels, {
      retry: cfg.notifications.retry,
      links: {
        publicUrl: cfg.server.public_url,
        grafanaUrl: cfg.grafana?.url,
        ackLinks: cfg.notifications.ackLinks,
      },
      log,
      metrics,
      clock: options.clock,
      active: lease && (() => lease.isLeader()),
      gate: noise.screen,
      inFlight: delivering,
    });
    const escalator = new Escalator(
      db,
      {
        users: new Map(cfg.users.map((u) => [u.name, u])),
        schedules: new Map(cfg.oncall.schedules.map((s) => [s.name, s])),
        threads,
      },
      (fired) => {
        metrics.escalationSteps.inc(fired);
        kick();
      },
      lease && ((tx) => lease.holds(tx)),
    );
    const prometheus = cfg.reports.prometheus;
    const slo =
      prometheus && cfg.prometheusHttp
        ? new PrometheusSlo(prometheus.url, cfg.prometheusHttp)
        : sloNotConfigured;
    const reports = new ReportScheduler(db, {
      reports: cfg.reports,
      slo,
      mailers: emailMailers(cfg.notifications.channels),
      retry: cfg.notifications.retry,
      log,
      clock,
    });
    const heartbeats = new Heartbeats(
      db,
      cfg.heartbeats,
      (raw, payload) => inbox.store(Buffer.from(raw), payload, payload),
      {
        since: startedAt,
        leads: lease && ((tx) => lease.holds(tx)),
      },
    );
    const routes = Router();
    routes.use('/api/v1', webhookRouter(cfg, inbox, metrics, log, heartbeats));
    // Before any body parser: the signature is over the raw body.
    routes.use('/api/v1', slackRouter(db, cfg.notifications.channels, policies, kick, log));
    routes.use('/api/v1', incidentsRouter(db, cfg.api.tokens, policies, kick, threads));
    if (cfg.notifications.ackLinks) {
      routes.use('/api/v1', ackRouter(db, cfg.notifications.ackLinks.secret, policies, kick));
    }
    routes.use('/api/v1', oncallRouter(cfg.oncall.schedules, cfg.api.tokens));
    routes.use(
      '/api/v1',
      maintenanceRouter(noise.windows, cfg.api.tokens, () => noise.ready()),
    );
    routes.use('/api/v1', reportsRouter(db, cfg.api.tokens, cfg.reports, slo, clock));
    const userNames = cfg.users.map((u) => u.name);
    routes.use('/api/v1', postmortemsRouter(db, cfg.api.tokens, userNames));
    routes.use('/api/v1', usersRouter(cfg.api.tokens, userNames));
    routes.use('/api/v1', whoamiRouter(cfg.api.tokens));
    routes.use('/api/v1', notificationsRouter(db, cfg.api.tokens));
    routes.use('/api/v1', auditRouter(db, cfg.api.tokens));
    routes.use('/api/v1', openApiRouter());
    return { routes, dispatcher, escalator, noise, reports, heartbeats };
  }

  const app = serviceApp(
    runtime,
    {
      metrics: () => scrapePage(metrics.registry),
      notReady: async () => {
        try {
          await sql`select 1`.execute(db);
          return undefined;
        } catch (err) {
          // service-kit logs the reason when readiness changes, not at every probe.
          return `database unreachable: ${(err as Error).message}`;
        }
      },
    },
    log,
  );
  // Each request goes to the routes of the configuration in force when it arrived.
  const current: RequestHandler = (req, res, next) => parts.routes(req, res, next);
  app.use(current);
  finishApp(app, log, (err, res) => {
    if (!isTransientDbError(err)) return false;
    // Busy, or on PostgreSQL lost a race with another replica: nothing was changed, so a retry is safe.
    log.warn({ err }, 'transient database error');
    res.setHeader('Retry-After', '1');
    sendError(res, 503, 'unavailable', 'the database is busy; retry');
    return true;
  });

  /**
   * Applies a reloaded configuration: the new parts are built first (a failure leaves the old ones), then
   * swapped in. The old dispatcher starts nothing more and finishes, with its channels, what it has in
   * flight; the new one starts at once and leaves those alone (their ids are in the shared set), so no
   * notification is sent twice, and a channel retrying for minutes holds up neither the reload nor the rest.
   */
  async function reload(next: Config): Promise<void> {
    const fresh = build(next);
    await fresh.noise.ready();
    const old = parts;
    old.dispatcher.stop();
    await old.reports.stop();
    inbox.configure(mergeOptions(next));
    parts = fresh;
    config = next;
    if (reportsRunning) await fresh.reports.start();
    fresh.dispatcher.kick();
  }

  let reportsRunning = false;
  return {
    app,
    inbox,
    metrics,
    runtime,
    reload,
    get config() {
      return config;
    },
    get dispatcher() {
      return parts.dispatcher;
    },
    get escalator() {
      return parts.escalator;
    },
    get noise() {
      return parts.noise;
    },
    get reports() {
      return parts.reports;
    },
    get heartbeats() {
      return parts.heartbeats;
    },
    /** Leader only: scheduled reports run from now on, also after reloads. */
    startReports: async () => {
      reportsRunning = true;
      await parts.reports.start();
    },
  };
}

function mergeOptions(cfg: Config) {
  return {
    reopenWindowMs: cfg.incidents.reopen_window,
    routing: cfg.routing,
    policies: new Map(cfg.escalation_policies.map((p) => [p.name, p])),
  };
}

export type App = ReturnType<typeof createApp>;
export type { Metrics };
