import express, { type NextFunction, type Request, type Response } from 'express';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from './config';
import { isTransientDbError, type Db } from './db/database';
import type { LeaderLease } from './leader/lease';
import { Inbox } from './inbox/inbox';
import { createMetrics } from './metrics';
import { HttpError, sendError } from './api/errors';
import { incidentsRouter } from './api/incidents';
import { oncallRouter } from './api/oncall';
import { whoamiRouter } from './api/whoami';
import { notificationsRouter } from './api/notifications';
import { webhookRouter } from './webhook/route';
import { ackRouter } from './api/ack';
import { maintenanceRouter } from './api/maintenance';
import { NoiseControl } from './noise/control';
import { Dispatcher } from './dispatch/dispatcher';
import { Escalator } from './escalation/escalator';
import { createChannels } from './notify/registry';
import type { NotificationChannel } from './notify/message';
import { systemClock, type Clock } from './notify/clock';
import { reportsRouter } from './api/reports';
import { registerReportMetrics } from './reports/metrics';
import { ReportScheduler, emailMailers } from './reports/schedule';

export interface AppOptions {
  /** Channels by name; built from the configuration unless given (tests give their own clock-driven ones). */
  channels?: ReadonlyMap<string, NotificationChannel>;
  clock?: Clock;
  /** With several replicas on PostgreSQL: only the lease holder delivers notifications and escalates. */
  lease?: LeaderLease;
}

export function createApp(config: Config, db: Db, log: Logger, options: AppOptions = {}) {
  const metrics = createMetrics(db);
  const clock = options.clock ?? systemClock;
  registerReportMetrics(metrics.registry, db, config.reports.sla, clock);
  const reports = new ReportScheduler(db, {
    reports: config.reports,
    mailers: emailMailers(config.notifications.channels),
    retry: config.notifications.retry,
    log,
    clock,
  });
  const policies = new Map(config.escalation_policies.map((p) => [p.name, p]));
  const { lease } = options;
  const noise = new NoiseControl(db, config.noise, config.maintenance_windows, {
    log,
    metrics,
    onQueued: () => dispatcher.kick(),
  });
  const dispatcher = new Dispatcher(db, options.channels ?? createChannels(config.notifications.channels), {
    retry: config.notifications.retry,
    links: {
      publicUrl: config.server.public_url,
      grafanaUrl: config.grafana?.url,
      ackLinks: config.notifications.ackLinks,
    },
    log,
    metrics,
    clock: options.clock,
    active: lease && (() => lease.isLeader()),
    gate: noise.screen,
  });
  const escalator = new Escalator(
    db,
    {
      users: new Map(config.users.map((u) => [u.name, u])),
      schedules: new Map(config.oncall.schedules.map((s) => [s.name, s])),
    },
    (fired) => {
      metrics.escalationSteps.inc(fired);
      dispatcher.kick();
    },
    lease && ((tx) => lease.holds(tx)),
  );
  const inbox = new Inbox(db, {
    reopenWindowMs: config.incidents.reopen_window,
    routing: config.routing,
    policies,
    log,
    metrics,
    onMerged: () => dispatcher.kick(),
    sqlite: config.storage.postgres ? undefined : config.storage.sqlite,
  });
  const incidentChanged = () => dispatcher.kick();
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await sql`select 1`.execute(db);
      res.json({ status: 'ready' });
    } catch (err) {
      log.warn({ err }, 'readiness check failed');
      sendError(res, 503, 'not_ready', 'database unreachable');
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  app.use('/api/v1', webhookRouter(config, inbox, metrics, log));
  app.use(
    '/api/v1',
    express.json({ limit: '64kb' }),
    incidentsRouter(db, config.api.tokens, policies, incidentChanged),
  );
  if (config.notifications.ackLinks) {
    app.use('/api/v1', ackRouter(db, config.notifications.ackLinks.secret, policies, incidentChanged));
  }
  app.use('/api/v1', oncallRouter(config.oncall.schedules, config.api.tokens));
  app.use(
    '/api/v1',
    express.json({ limit: '64kb' }),
    maintenanceRouter(noise.windows, config.api.tokens, () => noise.ready()),
  );
  app.use('/api/v1', reportsRouter(db, config.api.tokens, config.reports, clock));
  app.use('/api/v1', whoamiRouter(config.api.tokens));
  app.use('/api/v1', notificationsRouter(db, config.api.tokens));

  app.use((_req: Request, res: Response) => sendError(res, 404, 'not_found', 'no such endpoint'));
  // Express needs the four-argument signature to treat this as the error handler.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof HttpError) return sendError(res, err.status, err.code, err.message, err.details);
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.too.large') {
      metrics.webhookRequests.inc({ outcome: 'too_large' });
      return sendError(res, 413, 'too_large', e.message ?? 'request body too large');
    }
    if (e.type === 'entity.parse.failed')
      return sendError(res, 400, 'invalid_json', 'request body is not valid JSON');
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
      return sendError(res, e.status, 'bad_request', e.message ?? 'bad request');
    }
    if (isTransientDbError(err)) {
      // Busy, or on PostgreSQL lost a race with another replica: nothing was changed, so a retry is safe.
      log.warn({ err }, 'transient database error');
      res.setHeader('Retry-After', '1');
      return sendError(res, 503, 'unavailable', 'the database is busy; retry');
    }
    log.error({ err }, 'unhandled error');
    sendError(res, 500, 'internal', 'internal error');
  });
  return { app, inbox, metrics, dispatcher, escalator, reports, noise };
}
