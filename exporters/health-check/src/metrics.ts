import type { Logger } from 'pino';
import type { Config } from './config';
import { GaugeFamily, labelText, renderFamilies } from './exposition';
import { evaluateHealth, STATUSES } from './health';
import type { CheckResult } from './run';
import type { Scheduler } from './scheduler';

const LATEST =
  'Checks run on their own intervals; this is the latest completed run, not a probe at scrape time.';

/**
 * The exporter's /metrics. Names follow blackbox_exporter where the meaning is the same, with service and
 * check labels; every label value comes from the config, so cardinality is bounded by it.
 */
export function createMetrics(config: Config, scheduler: Scheduler, log: Logger) {
  const success = new GaugeFamily(
    'probe_success',
    `Whether the check succeeded (1) or failed (0). ${LATEST}`,
  );
  const duration = new GaugeFamily('probe_duration_seconds', `How long the check took. ${LATEST}`);
  const httpStatus = new GaugeFamily(
    'probe_http_status_code',
    `HTTP status code of the response, for HTTP checks (0 when there was none). ${LATEST}`,
  );
  const certExpiry = new GaugeFamily(
    'probe_ssl_earliest_cert_expiry',
    `Earliest certificate expiry in the chain, Unix seconds, for HTTPS checks. ${LATEST}`,
  );
  const lastRun = new GaugeFamily(
    'healthcheck_check_last_run_timestamp_seconds',
    'When the latest run of the check finished, Unix seconds; a stale value means checks are not running.',
  );
  const serviceStatus = new GaugeFamily(
    'healthcheck_service_status',
    `1 for the service's current status, 0 for the others (all 0 until its checks have run). ${LATEST}`,
  );
  const dependencyInfo = new GaugeFamily(
    'healthcheck_dependency_info',
    'A dependency edge from the config: service depends on dependency.',
  );
  const rootCause = new GaugeFamily(
    'healthcheck_root_cause_info',
    `For an impacted service, each down service at the bottom of its failing dependency chain. ${LATEST}`,
  );
  const up = new GaugeFamily(
    'healthcheck_up',
    'Whether the exporter could evaluate the latest check results (1) or not.',
  );
  const scrapeDuration = new GaugeFamily(
    'healthcheck_scrape_duration_seconds',
    'Time taken to build this scrape.',
  );
  const fromResults = [success, duration, httpStatus, certExpiry, lastRun, serviceStatus, rootCause];
  const exposed = [
    ...[success, duration, httpStatus, certExpiry, lastRun, serviceStatus],
    ...[dependencyInfo, rootCause, up, scrapeDuration],
  ];

  for (const service of config.services) {
    for (const dependency of service.dependsOn)
      dependencyInfo.add(labelText({ service: service.name, dependency }), 1);
  }
  // Label texts are fixed by the config, so built once; a check's lines change only when a run finishes,
  // so they are kept until its result changes (at 1,000 checks, most are unchanged between scrapes).
  const checks = config.services.flatMap((service) =>
    service.checks.map((check) => ({
      check,
      labels: labelText({ service: service.name, check: check.name }),
      rendered: undefined as { result: CheckResult; lines: [GaugeFamily, Buffer][] } | undefined,
    })),
  );

  function linesOf(labels: string, result: CheckResult, kind: string): [GaugeFamily, Buffer][] {
    const lines: [GaugeFamily, Buffer][] = [
      [success, success.line(labels, result.success ? 1 : 0)],
      [duration, duration.line(labels, result.durationSeconds)],
      [lastRun, lastRun.line(labels, result.finishedAt / 1000)],
    ];
    // As blackbox: an HTTP check that got no response (refused, timed out, TLS failure) says 0.
    const status = result.httpStatusCode ?? (kind === 'http' ? 0 : undefined);
    if (status !== undefined) lines.push([httpStatus, httpStatus.line(labels, status)]);
    if (result.sslEarliestCertExpiry !== undefined)
      lines.push([certExpiry, certExpiry.line(labels, result.sslEarliestCertExpiry)]);
    return lines;
  }
  const statusLabels = new Map(
    config.services.map((s) => [s.name, STATUSES.map((status) => labelText({ service: s.name, status }))]),
  );

  function update() {
    for (const entry of checks) {
      const result = scheduler.result(entry.check);
      if (!result) continue;
      if (entry.rendered?.result !== result)
        entry.rendered = { result, lines: linesOf(entry.labels, result, entry.check.kind) };
      for (const [family, line] of entry.rendered.lines) family.push(line);
    }
    const health = evaluateHealth(config.services, (check) => scheduler.result(check));
    for (const [service, h] of health) {
      const labels = statusLabels.get(service) as string[];
      STATUSES.forEach((status, i) => serviceStatus.add(labels[i] as string, h.status === status ? 1 : 0));
      for (const cause of h.rootCauses) rootCause.add(labelText({ service, root_cause: cause }), 1);
    }
  }

  /** Fills the families from the latest results and renders the exposition text. */
  function render(): Buffer {
    const started = scheduler.clock.monotonic();
    for (const family of [...fromResults, up, scrapeDuration]) family.reset();
    try {
      update();
      up.add('', 1);
    } catch (err) {
      log.error({ err }, 'cannot evaluate check results');
      // Nothing half-filled: the scrape says only that evaluation failed.
      for (const family of fromResults) family.reset();
      up.add('', 0);
    }
    scrapeDuration.add('', (scheduler.clock.monotonic() - started) / 1000);
    return renderFamilies(exposed);
  }

  return { render };
}
