import { finishApp, sendError, serviceApp, type Runtime } from '@vigil/service-kit';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { ServiceConfig } from './config';
import type { Exporter } from './exporter';
import { evaluateHealth, type ServiceHealth, type Status } from './health';
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

/**
 * The exporter's HTTP app on the service kit's: `/healthz`, `/readyz`, `/-/reload` and `/metrics` (the
 * process, Node.js, build and reload series, then the exporter's own exposition), plus `/`, `/health`,
 * `/health/{service}` and `/probe`. Every handler reads the exporter's current configuration once, so a
 * reload takes effect at the next request.
 */
export function createApp(exporter: Exporter, runtime: Runtime, log: Logger): Express {
  const app = serviceApp(
    runtime,
    {
      metrics: () => exporter.current.metrics.render(),
      notReady: () => exporter.notReady(),
    },
    log,
  );
  // Prometheus never revalidates; an ETag would hash every scrape (300 kB at 1,000 checks) for nothing.
  app.set('etag', false);

  app.get('/', (_req, res) => {
    const services = exporter.current.config.services
      .map((s) => `<li><a href="/health/${encodeURIComponent(s.name)}">${escapeHtml(s.name)}</a></li>`)
      .join('');
    res
      .type('html')
      .send(
        `<!doctype html><html><head><title>Vigil health-check exporter</title></head><body>` +
          `<h1>Vigil health-check exporter</h1><p><a href="/metrics">Metrics</a> · <a href="/health">Health (JSON)</a> · <a href="/readyz">Ready</a></p>` +
          `<h2>Services</h2><ul>${services}</ul></body></html>`,
      );
  });
  app.get('/health', (_req, res) => {
    const { config, scheduler } = exporter.current;
    const health = evaluateHealth(config.services, (check) => scheduler.result(check));
    const services = config.services.map((s) => describe(s, health.get(s.name) as ServiceHealth, scheduler));
    const status = services.reduce<Status>(
      (worst, s) => (SEVERITY.indexOf(s.status) > SEVERITY.indexOf(worst) ? s.status : worst),
      'ok',
    );
    res.json({ status, services });
  });
  app.get('/health/:service', (req, res) => {
    const { config, scheduler } = exporter.current;
    const service = config.services.find((s) => s.name === req.params.service);
    if (!service) return sendError(res, 404, 'not_found', `unknown service "${req.params.service}"`);
    const health = evaluateHealth(config.services, (check) => scheduler.result(check)).get(
      service.name,
    ) as ServiceHealth;
    // Load balancers and uptime monitors read the status code: serving (ok, degraded) or not.
    const serving = health.status === 'ok' || health.status === 'degraded';
    res.status(serving ? 200 : 503).json(describe(service, health, scheduler));
  });
  app.get(
    '/probe',
    probeHandler(() => exporter.current),
  );
  return finishApp(app, log);
}
