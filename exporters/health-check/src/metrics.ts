import type { Logger } from 'pino';
import { Gauge, Registry } from 'prom-client';
import type { Config } from './config';
import { evaluateHealth, STATUSES } from './health';
import type { Scheduler } from './scheduler';

const LATEST =
  'Checks run on their own intervals; this is the latest completed run, not a probe at scrape time.';

/**
 * The exporter's /metrics. Names follow blackbox_exporter where the meaning is the same, with service and
 * check labels; every label value comes from the config, so cardinality is bounded by it.
 */
export function createMetrics(config: Config, scheduler: Scheduler, log: Logger) {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const checkLabels = ['service', 'check'];
  const success = gauge(
    'probe_success',
    `Whether the check succeeded (1) or failed (0). ${LATEST}`,
    checkLabels,
  );
  const duration = gauge('probe_duration_seconds', `How long the check took. ${LATEST}`, checkLabels);
  const httpStatus = gauge(
    'probe_http_status_code',
    `HTTP status code of the response, for HTTP checks that got one. ${LATEST}`,
    checkLabels,
  );
  const certExpiry = gauge(
    'probe_ssl_earliest_cert_expiry',
    `Earliest certificate expiry in the chain, Unix seconds, for HTTPS checks. ${LATEST}`,
    checkLabels,
  );
  const lastRun = gauge(
    'healthcheck_check_last_run_timestamp_seconds',
    'When the latest run of the check finished, Unix seconds; a stale value means checks are not running.',
    checkLabels,
  );
  const serviceStatus = gauge(
    'healthcheck_service_status',
    `1 for the service's current status, 0 for the others (all 0 until its checks have run). ${LATEST}`,
    ['service', 'status'],
  );
  const dependencyInfo = gauge(
    'healthcheck_dependency_info',
    'A dependency edge from the config: service depends on dependency.',
    ['service', 'dependency'],
  );
  const rootCause = gauge(
    'healthcheck_root_cause_info',
    `For an impacted service, each down service at the bottom of its failing dependency chain. ${LATEST}`,
    ['service', 'root_cause'],
  );
  const up = gauge(
    'healthcheck_up',
    'Whether the exporter could evaluate the latest check results (1) or not.',
  );
  const scrapeDuration = gauge('healthcheck_scrape_duration_seconds', 'Time taken to build this scrape.');

  for (const service of config.services) {
    for (const dependency of service.dependsOn) dependencyInfo.set({ service: service.name, dependency }, 1);
  }

  function update() {
    for (const g of [success, duration, httpStatus, certExpiry, lastRun, serviceStatus, rootCause]) g.reset();
    for (const service of config.services) {
      for (const check of service.checks) {
        const result = scheduler.result(check);
        if (!result) continue;
        const labels = { service: service.name, check: check.name };
        success.set(labels, result.success ? 1 : 0);
        duration.set(labels, result.durationSeconds);
        lastRun.set(labels, result.finishedAt / 1000);
        if (result.httpStatusCode !== undefined) httpStatus.set(labels, result.httpStatusCode);
        if (result.sslEarliestCertExpiry !== undefined) certExpiry.set(labels, result.sslEarliestCertExpiry);
      }
    }
    const health = evaluateHealth(config.services, (check) => scheduler.result(check));
    for (const [service, h] of health) {
      for (const status of STATUSES) serviceStatus.set({ service, status }, h.status === status ? 1 : 0);
      for (const cause of h.rootCauses) rootCause.set({ service, root_cause: cause }, 1);
    }
  }

  /** Fills the gauges from the latest results and renders the exposition text. */
  async function render(): Promise<string> {
    const started = scheduler.clock.monotonic();
    try {
      update();
      up.set(1);
    } catch (err) {
      log.error({ err }, 'cannot evaluate check results');
      up.set(0);
    }
    scrapeDuration.set((scheduler.clock.monotonic() - started) / 1000);
    return registry.metrics();
  }

  return { registry, render };
}
