import type { Request, Response } from 'express';
import { Gauge, Registry } from 'prom-client';
import { isAllowed } from './allowlist';
import { CHECK_KINDS } from './checks';
import type { CheckKind } from './checks/kind';
import type { Config } from './config';
import { sendError } from '@vigil/service-kit';
import type { Scheduler } from './scheduler';

/** Left of Prometheus's scrape timeout for sending the answer, as blackbox_exporter does. */
const SCRAPE_TIMEOUT_MARGIN_MS = 500;

/** Prometheus says how long it will wait; a probe that outlives that is wasted. */
function timeoutFor(req: Request, moduleTimeoutMs: number): number {
  const scrapeTimeout = Number(req.get('X-Prometheus-Scrape-Timeout-Seconds'));
  if (!(scrapeTimeout > 0)) return moduleTimeoutMs;
  return Math.max(1, Math.min(moduleTimeoutMs, scrapeTimeout * 1000 - SCRAPE_TIMEOUT_MARGIN_MS));
}

/**
 * GET /probe?target=&module=, answering like blackbox_exporter (unlabelled probe_* series for the one
 * target). Only targets on probe.allowed_targets are probed, so the exporter cannot be used to reach
 * arbitrary hosts from inside the network (SSRF); HTTP redirects are never followed, for the same reason.
 * `current` gives the configuration in force (and its scheduler, whose concurrency limit probes share).
 */
export function probeHandler(current: () => { config: Config; scheduler: Scheduler }) {
  return async (req: Request, res: Response) => {
    const { config, scheduler } = current();
    const { target, module: moduleName } = req.query;
    if (typeof target !== 'string' || target === '' || typeof moduleName !== 'string' || moduleName === '') {
      return sendError(res, 400, 'bad_request', 'target and module parameters are required');
    }
    const module = config.probe.modules.get(moduleName);
    if (!module) return sendError(res, 400, 'unknown_module', `unknown module "${moduleName}"`);
    const kind = CHECK_KINDS.get(module.kind) as CheckKind;
    let parsed;
    try {
      parsed = kind.parseTarget(target);
    } catch (err) {
      return sendError(res, 400, 'invalid_target', (err as Error).message);
    }
    const fields = kind.target.safeParse(parsed.fields);
    if (!fields.success) return sendError(res, 400, 'invalid_target', `invalid target "${target}"`);
    if (!isAllowed(config.probe.allowedTargets, parsed.host, parsed.port)) {
      return sendError(res, 403, 'target_not_allowed', 'target is not on probe.allowed_targets');
    }
    const result = await scheduler.probe(
      kind,
      { ...module.settings, ...fields.data },
      timeoutFor(req, module.timeoutMs),
    );

    const registry = new Registry();
    const gauge = (name: string, help: string, value: number | undefined) => {
      if (value !== undefined) new Gauge({ name, help, registers: [registry] }).set(value);
    };
    gauge('probe_success', 'Whether the probe succeeded.', result.success ? 1 : 0);
    gauge('probe_duration_seconds', 'How long the probe took.', result.durationSeconds);
    gauge('probe_http_status_code', 'HTTP status code of the response.', result.httpStatusCode);
    gauge(
      'probe_ssl_earliest_cert_expiry',
      'Earliest certificate expiry, Unix seconds.',
      result.sslEarliestCertExpiry,
    );
    res.setHeader('Content-Type', registry.contentType);
    res.send(await registry.metrics());
  };
}
