import { join } from 'node:path';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { nginxDashboard, postgresDashboard, processesDashboard, redisDashboard } from './backends';
import { exportersDashboard } from './exporters';
import { hostsDashboard } from './hosts';
import { incidentsDashboard } from './incidents';
import { overviewDashboard } from './overview';
import { securityDashboard } from './security';
import { serviceDashboard } from './service';
import { slosDashboard } from './slos';

/** provisioning/, whether running from src/ (jest) or dist/src/ (compiled). */
const PROVISIONING = join(__dirname, __dirname.includes(join('dist', 'src')) ? '../../..' : '../..');

/** Where Grafana's dashboard provider (provisioning/grafana/dashboards/vigil.yml) reads the JSON from. */
export const DASHBOARDS_DIR = join(PROVISIONING, 'grafana', 'dashboards');

/** Every dashboard of the stack, built. */
export function dashboards(): Dashboard[] {
  return [
    overviewDashboard(),
    hostsDashboard(),
    serviceDashboard(),
    slosDashboard(),
    incidentsDashboard(),
    exportersDashboard(),
    postgresDashboard(),
    redisDashboard(),
    nginxDashboard(),
    processesDashboard(),
    securityDashboard(),
  ];
}

/** A dashboard's file in DASHBOARDS_DIR: named after its uid, which is unique. */
export const fileName = (d: Dashboard) => `${d.uid}.json`;
