import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Where each server comes from: Debian's packages, installed by these scripts (CI runs both). */
const PROMETHEUS_STACK = 'scripts/install-prometheus-stack.sh';
const TEST_SERVICES = 'scripts/install-test-services.sh';

const isExecutable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The first of `names` found as an executable on PATH, or undefined. */
export function findBinary(names: string[], path = process.env.PATH ?? ''): string | undefined {
  for (const name of names) {
    for (const dir of path.split(delimiter).filter(Boolean)) {
      if (isExecutable(join(dir, name))) return join(dir, name);
    }
  }
  return undefined;
}

function required(what: string, names: string[], installer: string): string {
  const found = findBinary(names);
  if (!found) throw new Error(`${what} not found (${names.join(' or ')} on PATH): run ${installer}`);
  return found;
}

/** Debian names it prometheus-alertmanager, upstream alertmanager. */
export const alertmanagerBinary = () =>
  required('Alertmanager', ['alertmanager', 'prometheus-alertmanager'], PROMETHEUS_STACK);
export const prometheusBinary = () => required('Prometheus', ['prometheus'], PROMETHEUS_STACK);
export const promtoolBinary = () => required('promtool', ['promtool'], PROMETHEUS_STACK);
export const redisServerBinary = () => required('Redis', ['redis-server'], TEST_SERVICES);
/** Debian names it prometheus-blackbox-exporter, upstream blackbox_exporter. */
export const blackboxExporterBinary = () =>
  required('blackbox_exporter', ['prometheus-blackbox-exporter', 'blackbox_exporter'], TEST_SERVICES);

/** Debian's single-node VictoriaMetrics, the long-term store (installed with the Prometheus stack). */
export const victoriaMetricsBinary = () =>
  required('VictoriaMetrics', ['victoria-metrics', 'victoria-metrics-prod'], PROMETHEUS_STACK);

/**
 * PostgreSQL's programs (initdb, postgres): $PG_BIN (or $VIGIL_PG_BIN), else the newest of Debian's
 * /usr/lib/postgresql/<version>/bin.
 */
export function postgresBinDir(): string {
  const given = process.env.PG_BIN ?? process.env.VIGIL_PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  const bin = given ?? join(root, newest ?? '<version>', 'bin');
  if (!isExecutable(join(bin, 'postgres')) || !isExecutable(join(bin, 'initdb'))) {
    throw new Error(`PostgreSQL not found in ${bin}: run ${TEST_SERVICES}, or set PG_BIN`);
  }
  return bin;
}
