import type { Metric, Registry } from 'prom-client';
import type { Heartbeats } from './tracker';

/**
 * Series per heartbeat and source, labelled with the source's own labels (which differ between
 * heartbeats), so they are collected from the database at each scrape rather than kept in a Gauge.
 */
export function registerHeartbeatMetrics(registry: Registry, heartbeats: () => Heartbeats): void {
  const series: [name: string, help: string, value: (s: Source) => number][] = [
    [
      'vigil_heartbeat_last_received_timestamp_seconds',
      'When a heartbeat alert was last received from the source (Unix time), by heartbeat and source labels.',
      (s) => Date.parse(s.lastReceivedAt) / 1000,
    ],
    [
      'vigil_heartbeat_missing',
      "1 while the source's heartbeat is missing (its incident open), else 0.",
      (s) => (s.missing ? 1 : 0),
    ],
  ];
  for (const [name, help, value] of series) {
    // Kept when the database does not answer a scrape, as the other series read from it are (scrapePage).
    let values: { labels: Record<string, string>; value: number }[] = [];
    const metric = {
      name,
      help,
      type: 'gauge',
      aggregator: 'omit',
      reset: () => undefined,
      get: async () => ({
        name,
        help,
        type: 'gauge',
        aggregator: 'omit',
        values: (values = await heartbeats()
          .sources()
          .then(
            (sources) =>
              sources.map((s) => ({ labels: { ...s.labels, heartbeat: s.heartbeat }, value: value(s) })),
            () => values,
          )),
      }),
    };
    registry.registerMetric(metric as unknown as Metric);
  }
}

type Source = Awaited<ReturnType<Heartbeats['sources']>>[number];
