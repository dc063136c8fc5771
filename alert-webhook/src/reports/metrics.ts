import { Gauge, Histogram, type Registry } from 'prom-client';
import type { Db } from '../db/database';
import type { MetricLabels } from '../metrics';
import type { Clock } from '../notify/clock';
import type { SlaTarget } from './config';

/** From a minute to a day: acknowledgements take minutes, resolutions up to hours. */
const BUCKETS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400];

/**
 * Timeline entries are read once they are this old. On PostgreSQL concurrent transactions may commit out
 * of id order; waiting longer than any such transaction lasts means none is passed over by the cursor.
 */
const SETTLE_MS = 2000;

/**
 * MTTA/MTTR histograms and the SLA breach gauge. Acknowledgements and resolutions are read from the
 * incidents' timelines at scrape time, from where the previous scrape stopped (starting with this process),
 * whichever path made them: the API, an ack link, or Alertmanager resolving every alert.
 */
/** `targets` is read at each scrape, so that a reloaded configuration's SLA targets take effect. */
export function registerReportMetrics(
  registry: Registry,
  db: Db,
  targets: () => SlaTarget[],
  clock: Clock,
  /** Severity and team come from alert data: bounded (see MetricLabels). */
  bound: MetricLabels,
): void {
  const toAcknowledge = new Histogram({
    name: 'vigil_incident_time_to_acknowledge_seconds',
    help: 'Time from an incident opening (its first alert starting) to its acknowledgement, by severity and team.',
    labelNames: ['severity', 'team'],
    buckets: BUCKETS,
    registers: [registry],
    collect: () => sync(),
  });
  const toResolve = new Histogram({
    name: 'vigil_incident_time_to_resolve_seconds',
    help: 'Time from an incident opening (its first alert starting) to its resolution, by severity and team.',
    labelNames: ['severity', 'team'],
    buckets: BUCKETS,
    registers: [registry],
    collect: () => sync(),
  });

  const start = db
    .selectFrom('timeline')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst()
    .then((row) => Number(row?.id ?? 0));
  // Should the database fail this early, the first scrape reports it; no unhandled rejection meanwhile.
  start.catch(() => undefined);
  let cursor: Promise<number> = start;
  let running: Promise<void> | undefined;

  /** Both histograms' collect() share one pass, so neither is read before the other's update is done. */
  function sync(): Promise<void> {
    running ??= advance().finally(() => {
      running = undefined;
    });
    return running;
  }

  /**
   * Series at 0 for the configured severities and teams before their first observation: increase() and
   * rate() need a sample before it, or a restarted receiver's first acknowledgement per series is lost to
   * the MTTA and MTTR panels. Once each (a reload may add teams); zero() would reset a series.
   */
  const zeroed = new Set<string>();
  function zeroConfigured(): void {
    const { severities, teams } = bound.configured();
    for (const severity of severities) {
      for (const team of teams) {
        const key = JSON.stringify([severity, team]);
        if (zeroed.has(key)) continue;
        zeroed.add(key);
        toAcknowledge.zero({ severity, team });
        toResolve.zero({ severity, team });
      }
    }
  }

  zeroConfigured();

  async function advance(): Promise<void> {
    zeroConfigured();
    const from = await cursor;
    const settled = new Date(clock.now() - SETTLE_MS).toISOString();
    const rows = await db
      .selectFrom('timeline')
      .innerJoin('incidents', 'incidents.id', 'timeline.incident_id')
      .select([
        'timeline.id',
        'timeline.kind',
        'timeline.at',
        'incidents.opened_at',
        'incidents.severity',
        'incidents.team',
      ])
      .where('timeline.id', '>', from)
      .where('timeline.kind', 'in', ['acknowledged', 'resolved'])
      .orderBy('timeline.id')
      // Bounds one scrape's work after a long time unscraped; the rest waits for the next scrape.
      .limit(5000)
      .execute();
    let last = from;
    for (const row of rows) {
      // Stop at the first entry that is too recent: everything after it waits for the next scrape.
      if (row.at > settled) break;
      const seconds = Math.max(0, Date.parse(row.at) - Date.parse(row.opened_at)) / 1000;
      const labels = { severity: bound.severity(row.severity), team: bound.team(row.team) };
      (row.kind === 'acknowledged' ? toAcknowledge : toResolve).observe(labels, seconds);
      last = row.id;
    }
    cursor = Promise.resolve(last);
  }

  new Gauge({
    name: 'vigil_incidents_sla_breached',
    help: 'Open incidents not acknowledged within their severity acknowledge target (reports.sla), by severity.',
    labelNames: ['severity'],
    registers: [registry],
    async collect() {
      const now = clock.now();
      const counts = await Promise.all(
        targets().map((t) =>
          db
            .selectFrom('incidents')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('status', '=', 'triggered')
            .where((eb) => eb(eb.fn('lower', ['severity']), '=', t.severity))
            .where('opened_at', '<', new Date(now - t.acknowledge_within).toISOString())
            .executeTakeFirstOrThrow(),
        ),
      );
      targets().forEach((t, i) => this.set({ severity: t.severity }, Number(counts[i]?.n ?? 0)));
    },
  });
}
