import type { ServiceConfig } from './config';
import type { CheckResult } from './run';

export const STATUSES = ['ok', 'degraded', 'down', 'impacted'] as const;
/** "unknown" until every check of the service has run once and none has failed. */
export type Status = (typeof STATUSES)[number] | 'unknown';

export interface ServiceHealth {
  status: Status;
  /** For an impacted service: the down services at the bottom of the failing dependency chains. */
  rootCauses: string[];
}

/** A service's status from its own checks alone: a failing critical check is down, any other degraded. */
function ownStatus(
  service: ServiceConfig,
  resultOf: (c: ServiceConfig['checks'][number]) => CheckResult | undefined,
) {
  const results = service.checks.map((check) => ({ check, result: resultOf(check) }));
  const failing = results.filter((r) => r.result && !r.result.success);
  if (failing.some((r) => r.check.critical)) return 'down';
  if (failing.length > 0) return 'degraded';
  return results.some((r) => !r.result) ? 'unknown' : 'ok';
}

/**
 * Dependency-aware health. A service with a down or impacted dependency is impacted, whatever its own
 * checks say, and names the root causes; so alerting can page once for the root instead of per dependent.
 * A degraded or unknown dependency does not impact its dependents.
 * `services` must list every dependency before its dependents (Config.services does).
 */
export function evaluateHealth(
  services: readonly ServiceConfig[],
  resultOf: (check: ServiceConfig['checks'][number]) => CheckResult | undefined,
): Map<string, ServiceHealth> {
  const health = new Map<string, ServiceHealth>();
  for (const service of services) {
    const causes = new Set<string>();
    for (const dep of service.dependsOn) {
      const h = health.get(dep) as ServiceHealth;
      if (h.status === 'down') causes.add(dep);
      if (h.status === 'impacted') h.rootCauses.forEach((c) => causes.add(c));
    }
    health.set(
      service.name,
      causes.size > 0
        ? { status: 'impacted', rootCauses: [...causes].sort() }
        : { status: ownStatus(service, resultOf), rootCauses: [] },
    );
  }
  return health;
}
