import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Config, ServiceConfig } from './config';
import { sendError } from '@vigil/service-kit';
import { evaluateHealth, type ServiceHealth, type Status } from './health';
import { CONTENT_TYPE } from './exposition';
import { createMetrics } from './metrics';
import { probeHandler } from './probe';
import type { Scheduler } from './scheduler';

/** The overall status is the worst service's, in this order. */
const SEVERITY: Status[] = ['ok', 'unknown', 'degraded', 'impacted', 'down'];

function describe(service: ServiceConfig, health: ServiceHealth, scheduler: Scheduler) {
  return {
    name: service.name,
    description: service.description,
    status: health.status,
    root_causes: health.rootCauses,
    depends_on: service.dependsOn,
    checks: service.checks.map((check) => {
      const r = scheduler.result(check);
      return {
        name: check.name,
        kind: check.kind,
        critical: check.critical,
        success: r?.success ?? null,
        message: r?.message,
        duration_seconds: r?.durationSeconds,
        http_status_code: r?.httpStatusCode,
        ssl_earliest_cert_expiry: r?.sslEarliestCertExpiry,
        last_run: r ? new Date(r.finishedAt).toISOString() : null,
      };
    }),
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function createApp(config: Config, scheduler: Scheduler, log: Logger) {
  const metrics = createMetrics(config, scheduler, log);
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Prometheus never revalidates; an ETag would hash every scrape (300 kB at 1,000 checks) for nothing.
  app.set('etag', false);
  const healthNow = () => evaluateHealth(config.services, (check) => scheduler.result(check));

  app.get('/', (_req, res) => {
    const services = config.services
      .map((s) => `<li><a href="/health/${encodeURIComponent(s.name)}">${escapeHtml(s.name)}</a></li>`)
      .join('');
    res
      .type('html')
      .send(
        `<!doctype html><html><head><title>Vigil health-check exporter</title></head><body>` +
          `<h1>Vigil health-check exporter</h1><p><a href="/metrics">Metrics</a> · <a href="/health">Health (JSON)</a></p>` +
          `<h2>Services</h2><ul>${services}</ul></body></html>`,
      );
  });
  app.get('/metrics', (_req, res) => {
    res.setHeader('Content-Type', CONTENT_TYPE);
    res.send(metrics.render());
  });
  app.get('/health', (_req, res) => {
    const health = healthNow();
    const services = config.services.map((s) => describe(s, health.get(s.name) as ServiceHealth, scheduler));
    const status = services.reduce<Status>(
      (worst, s) => (SEVERITY.indexOf(s.status) > SEVERITY.indexOf(worst) ? s.status : worst),
      'ok',
    );
    res.json({ status, services });
  });
  app.get('/health/:service', (req, res) => {
    const service = config.services.find((s) => s.name === req.params.service);
    if (!service) return sendError(res, 404, 'not_found', `unknown service "${req.params.service}"`);
    const health = healthNow().get(service.name) as ServiceHealth;
    // Load balancers and uptime monitors read the status code: serving (ok, degraded) or not.
    const serving = health.status === 'ok' || health.status === 'degraded';
    res.status(serving ? 200 : 503).json(describe(service, health, scheduler));
  });
  app.get('/probe', probeHandler(config, scheduler));

  app.use((_req: Request, res: Response) => sendError(res, 404, 'not_found', 'no such endpoint'));
  // Express needs the four-argument signature to treat this as the error handler.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    log.error({ err }, 'unhandled error');
    sendError(res, 500, 'internal', 'internal error');
  });
  return { app, metrics };
}
