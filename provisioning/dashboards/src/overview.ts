import { HEALTH_PANEL_QUERIES } from '@vigil/rules';
import {
  HEALTH_BANDS,
  UID,
  alertAnnotations,
  barGaugePanel,
  build,
  drillDown,
  healthScorePanel,
  openIncidentsStat,
  row,
  statPanel,
  timeseriesPanel,
  unacknowledgedStat,
  vigilDashboard,
} from './common';

/** The landing page: how every service is doing, what is open, what the SLOs have left. */
export function overviewDashboard() {
  const toService = drillDown('Service ${__field.labels.service}', UID.service, 'service', 'service');
  const toSlos = drillDown('SLOs of ${__field.labels.service}', UID.slos, 'service', 'service');
  const toIncidents = { title: 'Incidents & SLA', url: `/d/${UID.incidents}?\${__url_time_range}` };
  return build(
    vigilDashboard({
      uid: UID.overview,
      title: 'Vigil / Platform overview',
      description:
        'Health scores of every service, open incidents and what is left of each SLO error budget.',
    })
      .annotations(alertAnnotations())
      .withRow(row('Service health'))
      .withPanel(
        healthScorePanel('Health scores', {
          description:
            'vigil:service_health_score (0-100) per service, worst first; hover a tile for its signals. See rules/README.md.',
          queries: HEALTH_PANEL_QUERIES.map((q) => ({ ...q, legend: '{{service}}' })),
          width: 16,
          height: 10,
        }),
      )
      .withPanel(
        barGaugePanel('Health score, worst first', {
          description: 'Click a bar for the service dashboard.',
          queries: [{ expr: 'sort(vigil:service_health_score)', legend: '{{service}}', instant: true }],
          min: 0,
          max: 100,
          decimals: 0,
          thresholds: HEALTH_BANDS,
          links: [toService],
          width: 8,
          height: 10,
        }),
      )
      .withPanel(
        statPanel('Services down', {
          description: 'Services whose own health checks fail (not those only impacted by a dependency).',
          queries: [
            {
              expr: 'count(max by (service) (healthcheck_service_status{status="down"}) == 1) or vector(0)',
              instant: true,
            },
          ],
          thresholds: [
            ['green', null],
            ['red', 1],
          ],
          background: true,
          width: 6,
          height: 4,
        }),
      )
      .withPanel(
        statPanel('Services impacted', {
          description: 'Services that pass their own checks but depend on a service that is down.',
          queries: [
            {
              expr: 'count(max by (service) (healthcheck_service_status{status="impacted"}) == 1) or vector(0)',
              instant: true,
            },
          ],
          thresholds: [
            ['green', null],
            ['orange', 1],
          ],
          background: true,
          width: 6,
          height: 4,
        }),
      )
      .withPanel(
        statPanel('Alerts firing', {
          description: "Prometheus's firing alerts (ALERTS), Watchdog excluded.",
          queries: [
            {
              expr: 'count(ALERTS{alertstate="firing", alertname!="Watchdog"}) or vector(0)',
              instant: true,
            },
          ],
          thresholds: [
            ['green', null],
            ['orange', 1],
          ],
          width: 6,
          height: 4,
        }),
      )
      .withPanel(
        statPanel('Lowest health score', {
          queries: [{ expr: 'min(vigil:service_health_score)', instant: true }],
          thresholds: HEALTH_BANDS,
          decimals: 0,
          background: true,
          width: 6,
          height: 4,
        }),
      )
      .withRow(row('Incidents'))
      .withPanel(openIncidentsStat([toIncidents]))
      .withPanel(unacknowledgedStat([toIncidents]))
      .withPanel(
        timeseriesPanel('Open incidents by severity', {
          queries: [{ expr: 'sum by (severity) (vigil_incidents_open)', legend: '{{severity}}' }],
          min: 0,
          decimals: 0,
          stack: true,
          width: 12,
          height: 5,
        }),
      )
      .withRow(row('SLO error budgets'))
      .withPanel(
        barGaugePanel('Error budget remaining', {
          description:
            'Share of each SLO error budget left over its period: 100% untouched, 0% spent, below 0 overspent.',
          queries: [
            {
              expr: 'sort(slo:error_budget_remaining:ratio)',
              legend: '{{service}} / {{slo}}',
              instant: true,
            },
          ],
          unit: 'percentunit',
          max: 1,
          thresholds: [
            ['red', null],
            ['orange', 0.25],
            ['green', 0.5],
          ],
          links: [toSlos],
          width: 24,
          height: 7,
        }),
      ),
  );
}
