import type { Request, Response } from 'express';
import yaml from 'js-yaml';
import { isAllowed } from './allowlist';
import { CHECK_KINDS } from './checks';
import type { CheckKind } from './checks/kind';
import type { Config } from './config';
import { sendError } from '@vigil/service-kit';
import type { Scheduler } from './scheduler';
import { goFloat, ProbeSeries, probeLogger, roundSeconds } from './series';
import { normalizeHost } from './checks/target';

/** Left of Prometheus's scrape timeout for sending the answer, as blackbox_exporter does. */
const SCRAPE_TIMEOUT_MARGIN_MS = 500;

/**
 * Prometheus says how long it will wait; a probe that outlives that is wasted. As blackbox_exporter's
 * getTimeout: a scrape timeout too short to leave the margin gives the module's own, and one that is not a
 * number is refused (undefined).
 */
function timeoutFor(req: Request, moduleTimeoutMs: number): number | undefined {
  const header = req.get('X-Prometheus-Scrape-Timeout-Seconds');
  if (header === undefined || header === '') return moduleTimeoutMs;
  const scrapeTimeout = Number(header);
  if (!Number.isFinite(scrapeTimeout) || header.trim() === '') return undefined;
  const left = scrapeTimeout * 1000 - SCRAPE_TIMEOUT_MARGIN_MS;
  return left <= 0 ? moduleTimeoutMs : Math.min(moduleTimeoutMs, left);
}

/**
 * Keys whose values the debug page never shows (blackbox prints <secret> for its own), headers that carry
 * credentials among them.
 */
const SECRET_KEYS = /password|token|secret|authorization|ca_file|api[-_]?key|cookie|credential/i;
const DURATION_KEYS = /^(timeout|min_validity)$/;

/** A module's configuration for the debug page, as blackbox prints its own (YAML), secrets hidden. */
function moduleYaml(source: unknown): string {
  const plain = JSON.parse(
    JSON.stringify(source, (key, value: unknown) => {
      if (SECRET_KEYS.test(key)) return '<secret>';
      if (value instanceof RegExp) return value.source;
      // Durations are milliseconds once parsed; written back as the file has them.
      if (typeof value === 'number' && DURATION_KEYS.test(key))
        return value % 1000 === 0 ? `${value / 1000}s` : `${value}ms`;
      return value;
    }),
  ) as unknown;
  return yaml.dump(plain);
}

/**
 * GET /probe?target=&module=[&debug=true], answering like blackbox_exporter: unlabelled probe_* series for
 * the one target (the kind's own, sorted as blackbox's registry gathers them), or with debug the probe's
 * log, those series and the module. Only targets on probe.allowed_targets are probed, so the exporter cannot
 * be used to reach arbitrary hosts from inside the network (SSRF); an HTTP redirect is followed only to an
 * allowed destination, each hop asked again. `current` gives the configuration in force (and its
 * scheduler, whose concurrency limit probes share).
 */
export function probeHandler(current: () => { config: Config; scheduler: Scheduler }) {
  return async (req: Request, res: Response) => {
    const { config, scheduler } = current();
    // A parameter given twice is an array: the first counts, as in blackbox_exporter (Go's Query().Get).
    const param = (name: string) => {
      const value = req.query[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const [target, moduleName, debug] = [param('target'), param('module'), param('debug')];
    if (typeof target !== 'string' || target === '' || typeof moduleName !== 'string' || moduleName === '') {
      return sendError(res, 400, 'bad_request', 'target and module parameters are required');
    }
    const module = config.probe.modules.get(moduleName);
    if (!module) return sendError(res, 400, 'unknown_module', `unknown module "${moduleName}"`);
    const kind = CHECK_KINDS.get(module.kind) as CheckKind;
    let parsed;
    try {
      parsed = kind.parseTarget(target, module.settings);
    } catch (err) {
      return sendError(res, 400, 'invalid_target', (err as Error).message);
    }
    const fields = kind.target.safeParse(parsed.fields);
    if (!fields.success) return sendError(res, 400, 'invalid_target', `invalid target "${target}"`);
    const allowed = (host: string, port: number | undefined) => {
      try {
        return isAllowed(config.probe.allowedTargets, normalizeHost(host), port, moduleName);
      } catch {
        return false;
      }
    };
    if (!allowed(parsed.host, parsed.port)) {
      return sendError(res, 403, 'target_not_allowed', 'target is not on probe.allowed_targets');
    }
    const timeoutMs = timeoutFor(req, module.timeoutMs);
    if (timeoutMs === undefined) {
      return sendError(
        res,
        400,
        'bad_request',
        `X-Prometheus-Scrape-Timeout-Seconds is not a number: ${JSON.stringify(req.get('X-Prometheus-Scrape-Timeout-Seconds')?.slice(0, 40))}`,
      );
    }
    // Prometheus gone (its scrape timed out, the client hung up): stop the probe and free its slot, as
    // blackbox_exporter's request context does.
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) gone.abort();
    });
    const series = new ProbeSeries();
    const { log, lines } = probeLogger(moduleName, target);
    log('Beginning probe', { probe: module.kind, timeout_seconds: timeoutMs / 1000 });
    const result = await scheduler.probe(
      kind,
      { ...module.settings, ...parsed.settings, ...fields.data },
      timeoutMs,
      { series, log, allowed, cancelled: gone.signal },
    );
    const own = result.series ?? series;
    own.set('probe_success', 'Displays whether or not the probe was a success', result.success ? 1 : 0);
    own.set(
      'probe_duration_seconds',
      'Returns how long the probe took to complete in seconds',
      result.durationSeconds,
    );
    if (result.success)
      log('Probe succeeded', { duration_seconds: goFloat(roundSeconds(result.durationSeconds)) });
    else
      log(
        'Probe failed',
        { duration_seconds: goFloat(roundSeconds(result.durationSeconds)), reason: result.message },
        'error',
      );
    const metrics = own.render();
    if (debug === 'true') {
      res
        .type('text/plain')
        .send(
          `Logs for the probe:\n${lines.join('\n')}\n\n\n\nMetrics that would have been returned:\n${metrics}\n\n\n` +
            `Module configuration:\n${moduleYaml(module.source)}`,
        );
      return;
    }
    res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    res.send(metrics);
  };
}
