import {
  UID,
  barGaugePanel,
  build,
  openIncidentsStat,
  row,
  statPanel,
  timeseriesPanel,
  unacknowledgedStat,
  vigilDashboard,
  type Query,
} from './common';

const MTTA = 'vigil_incident_time_to_acknowledge_seconds';
const MTTR = 'vigil_incident_time_to_resolve_seconds';

/** Mean of a histogram over the dashboard's time range, by the given labels (none: overall). */
const meanOverRange = (histogram: string, by = ''): Query => {
  const sum = by ? `sum by (${by})` : 'sum';
  return {
    expr: `${sum} (increase(${histogram}_sum[$__range])) / ${sum} (increase(${histogram}_count[$__range]))`,
    legend: by ? `{{${by}}}` : 'mean',
    instant: true,
  };
};

/** 90th percentile over the last 6 hours at each point, by severity: incidents are too rare for less. */
const p90BySeverity = (histogram: string): Query => ({
  expr: `histogram_quantile(0.9, sum by (severity, le) (increase(${histogram}_bucket[6h])))`,
  legend: '{{severity}}',
});

/** alert-webhook's own metrics: incidents, acknowledge and resolve times, SLA breaches, the alert flow. */
export function incidentsDashboard() {
  return build(
    vigilDashboard({
      uid: UID.incidents,
      title: 'Vigil / Incidents & SLA',
      description:
        'Incidents from alert-webhook: open and unacknowledged, MTTA, MTTR, SLA breaches, alert flow.',
      range: '7d',
    })
      .withRow(row('Now'))
      .withPanel(openIncidentsStat())
      .withPanel(unacknowledgedStat())
      .withPanel(
        statPanel('Past their acknowledge target', {
          description:
            'Open incidents not acknowledged within the target of their severity (reports.sla in the receiver config).',
          queries: [
            {
              expr: 'sum by (severity) (vigil_incidents_sla_breached)',
              legend: '{{severity}}',
              instant: true,
            },
          ],
          thresholds: [
            ['green', null],
            ['red', 1],
          ],
          background: true,
          width: 12,
          height: 5,
        }),
      )
      .withPanel(
        timeseriesPanel('Open incidents by severity and status', {
          queries: [
            { expr: 'sum by (severity, status) (vigil_incidents_open)', legend: '{{severity}} {{status}}' },
          ],
          min: 0,
          decimals: 0,
          stack: true,
          width: 12,
        }),
      )
      .withPanel(
        timeseriesPanel('SLA breaches by severity', {
          queries: [{ expr: 'sum by (severity) (vigil_incidents_sla_breached)', legend: '{{severity}}' }],
          min: 0,
          decimals: 0,
          width: 12,
        }),
      )
      .withRow(row('Time to acknowledge and resolve (over the time range)'))
      .withPanel(
        statPanel('MTTA', {
          description: 'Mean time from an incident opening to its acknowledgement.',
          queries: [meanOverRange(MTTA)],
          unit: 's',
          width: 4,
        }),
      )
      .withPanel(
        barGaugePanel('MTTA by team', {
          queries: [meanOverRange(MTTA, 'team')],
          unit: 's',
          min: 0,
          width: 8,
        }),
      )
      .withPanel(
        statPanel('MTTR', {
          description: 'Mean time from an incident opening to its resolution.',
          queries: [meanOverRange(MTTR)],
          unit: 's',
          width: 4,
        }),
      )
      .withPanel(
        barGaugePanel('MTTR by team', {
          queries: [meanOverRange(MTTR, 'team')],
          unit: 's',
          min: 0,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Time to acknowledge, p90 over 6h', {
          queries: [p90BySeverity(MTTA)],
          unit: 's',
          min: 0,
          width: 12,
        }),
      )
      .withPanel(
        timeseriesPanel('Time to resolve, p90 over 6h', {
          queries: [p90BySeverity(MTTR)],
          unit: 's',
          min: 0,
          width: 12,
        }),
      )
      .withRow(row('Alert flow'))
      .withPanel(
        timeseriesPanel('Alerts received', {
          description: 'Alerts in accepted Alertmanager deliveries, by the status Alertmanager gave them.',
          queries: [
            {
              expr: 'sum by (status) (rate(vigil_webhook_alerts_received_total[$__rate_interval]))',
              legend: '{{status}}',
            },
          ],
          unit: 'ops',
          min: 0,
          stack: true,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Webhook deliveries by outcome', {
          queries: [
            {
              expr: 'sum by (outcome) (rate(vigil_webhook_requests_total[$__rate_interval]))',
              legend: '{{outcome}}',
            },
          ],
          unit: 'reqps',
          min: 0,
          stack: true,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Delivery merge time p99', {
          description: 'Time to merge one accepted delivery into incidents.',
          queries: [
            {
              expr: 'histogram_quantile(0.99, sum by (le) (rate(vigil_webhook_processing_duration_seconds_bucket[$__rate_interval])))',
              legend: 'p99',
            },
          ],
          unit: 's',
          min: 0,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Inbox', {
          description:
            'Stored deliveries waiting to be merged, and those that failed (AlertWebhookInbox* alerts).',
          queries: [
            { expr: 'vigil_inbox_pending', legend: 'pending' },
            { expr: 'increase(vigil_inbox_failed_total[$__rate_interval])', legend: 'failed' },
          ],
          min: 0,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Notifications by integration, channel and outcome', {
          queries: [
            {
              expr: 'sum by (integration, channel, outcome) (increase(vigil_notifications_total[$__rate_interval]))',
              legend: '{{integration}} {{channel}} {{outcome}}',
            },
          ],
          min: 0,
          stack: true,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Notification attempts: p99 latency and failures', {
          description:
            'Per integration: the 99th percentile time of one attempt, and failed attempts (retried or not) by reason.',
          queries: [
            {
              expr: 'histogram_quantile(0.99, sum by (integration, le) (rate(vigil_notification_latency_seconds_bucket[$__rate_interval])))',
              legend: '{{integration}} p99 (s)',
            },
            {
              expr: 'sum by (integration, reason) (increase(vigil_notification_requests_failed_total[$__rate_interval]))',
              legend: '{{integration}} failed: {{reason}}',
            },
          ],
          min: 0,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Escalation steps', {
          queries: [
            { expr: 'sum(increase(vigil_escalation_steps_total[$__rate_interval]))', legend: 'steps' },
          ],
          min: 0,
          width: 8,
        }),
      ),
  );
}
