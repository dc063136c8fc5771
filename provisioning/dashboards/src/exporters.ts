import { UID, build, row, stateTimelinePanel, statPanel, timeseriesPanel, vigilDashboard } from './common';

/** Our exporters' `<exporter>_up` and `<exporter>_scrape_duration_seconds` (blackbox_exporter's convention). */
const EXPORTERS = ['healthcheck', 'logexporter', 'anomaly'];

const UP_STATES: [number, string, string][] = [
  [1, 'up', 'green'],
  [0, 'down', 'red'],
];

/** Is every target scraped, and are our exporters (health-check, logs, anomaly) doing their own work? */
export function exportersDashboard() {
  return build(
    vigilDashboard({
      uid: UID.exporters,
      title: 'Vigil / Exporters',
      description: "Self-monitoring: Prometheus's scrapes of every target and the exporters' own metrics.",
    })
      .withRow(row('Scrapes'))
      .withPanel(
        stateTimelinePanel('Targets up', {
          description: "Prometheus's up per target (TargetDown after 5m, AlertWebhookDown after 2m).",
          queries: [{ expr: 'up', legend: '{{job}} {{instance}}' }],
          states: UP_STATES,
          thresholds: [
            ['red', null],
            ['green', 1],
          ],
          width: 12,
          height: 9,
        }),
      )
      .withPanel(
        timeseriesPanel('Scrape duration', {
          queries: [{ expr: 'scrape_duration_seconds', legend: '{{job}}' }],
          unit: 's',
          min: 0,
          width: 6,
          height: 9,
        }),
      )
      .withPanel(
        timeseriesPanel('Samples per scrape', {
          queries: [{ expr: 'scrape_samples_scraped', legend: '{{job}}' }],
          min: 0,
          width: 6,
          height: 9,
        }),
      )
      .withRow(row('Exporters'))
      .withPanel(
        stateTimelinePanel('Exporter up', {
          description:
            'Whether each exporter could do its work: evaluate check results, collect every log source, query Prometheus.',
          queries: EXPORTERS.map((e) => ({ expr: `${e}_up`, legend: e })),
          states: UP_STATES,
          thresholds: [
            ['red', null],
            ['green', 1],
          ],
          width: 12,
          height: 6,
        }),
      )
      .withPanel(
        timeseriesPanel('Time to build a scrape', {
          queries: EXPORTERS.map((e) => ({ expr: `${e}_scrape_duration_seconds`, legend: e })),
          unit: 's',
          min: 0,
          width: 12,
          height: 6,
        }),
      )
      .withRow(row('Health-check exporter'))
      .withPanel(
        timeseriesPanel('Check result age', {
          description:
            'Time since each check last finished; growing past its interval means checks are not running.',
          queries: [
            {
              expr: 'time() - healthcheck_check_last_run_timestamp_seconds',
              legend: '{{service}} {{check}}',
            },
          ],
          unit: 's',
          min: 0,
          width: 12,
        }),
      )
      .withPanel(
        statPanel('Checks failing', {
          queries: [{ expr: 'count(probe_success == 0) or vector(0)', instant: true }],
          thresholds: [
            ['green', null],
            ['red', 1],
          ],
          width: 12,
        }),
      )
      .withRow(row('Log exporter'))
      .withPanel(
        timeseriesPanel('Lines read', {
          queries: [
            {
              expr: 'sum by (source) (rate(logexporter_lines_read_total[$__rate_interval]))',
              legend: '{{source}}',
            },
          ],
          unit: 'ops',
          min: 0,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Lag', {
          description:
            'Bytes written to each source and not read yet; growing means the exporter falls behind.',
          queries: [{ expr: 'sum by (source) (logexporter_lag_bytes)', legend: '{{source}}' }],
          unit: 'bytes',
          min: 0,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Problems', {
          description:
            'Lines that could not be decoded, values that could not be used, label values capped to "other".',
          queries: [
            {
              expr: 'sum(rate(logexporter_parse_errors_total[$__rate_interval]))',
              legend: 'parse errors',
            },
            {
              expr: 'sum(rate(logexporter_value_errors_total[$__rate_interval]))',
              legend: 'value errors',
            },
            {
              expr: 'sum(rate(logexporter_label_overflow_total[$__rate_interval]))',
              legend: 'label overflow',
            },
          ],
          unit: 'ops',
          min: 0,
          width: 8,
        }),
      )
      .withRow(row('Anomaly exporter'))
      .withPanel(
        timeseriesPanel('Series modelled', {
          queries: [
            { expr: 'sum by (query) (anomaly_series)', legend: '{{query}}' },
            { expr: 'sum by (query) (anomaly_series_over_limit)', legend: '{{query}} over the limit' },
          ],
          min: 0,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Model update duration', {
          description: 'Time the latest pull of every query from Prometheus and the model updates took.',
          queries: [{ expr: 'anomaly_update_duration_seconds', legend: 'update' }],
          unit: 's',
          min: 0,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Latest sample age', {
          description: 'Time since the newest sample each query learnt from; growing means no new data.',
          queries: [
            {
              expr: 'time() - max by (query) (anomaly_last_sample_timestamp_seconds)',
              legend: '{{query}}',
            },
          ],
          unit: 's',
          min: 0,
          width: 8,
        }),
      )
      .withRow(row('Node.js processes'))
      .withPanel(
        timeseriesPanel('Resident memory', {
          queries: [{ expr: 'process_resident_memory_bytes', legend: '{{job}}' }],
          unit: 'bytes',
          min: 0,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('CPU', {
          queries: [{ expr: 'rate(process_cpu_seconds_total[$__rate_interval])', legend: '{{job}}' }],
          unit: 'percentunit',
          min: 0,
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel('Event-loop lag p99', {
          queries: [{ expr: 'nodejs_eventloop_lag_p99_seconds', legend: '{{job}}' }],
          unit: 's',
          min: 0,
          width: 8,
        }),
      ),
  );
}
