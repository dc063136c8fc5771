import type { SlaReport } from '@vigil/api-contract';
import type { Db } from '../db/database';
import { addDays, daysBetween, localDateAt, type LocalDate } from '../oncall/zoned-time';
import { comparePeriods, type IncidentFigures } from './comparison';
import type { SlaTarget } from './config';
import type { SloSource } from './slo';

/** How many alerts the report lists under noisiest_alerts. */
const NOISIEST_SHOWN = 10;

export interface ReportQuery {
  from: Date;
  to: Date;
  team?: string;
  /** Decides whether an unacknowledged incident has already missed its target. */
  now: Date;
  targets: SlaTarget[];
  /** The IANA zone whose calendar days by_day follows. */
  timeZone: string;
  /** Where the period compared with begins (it ends at `from`); by default as long before as this one is long. */
  previousFrom?: Date;
}

export type { SlaReport };

/** What an incident or alert without a service (or alertname) label is counted under. */
const NONE = 'none';

/** Running mean of durations in milliseconds, reported in seconds to the millisecond. */
class Mean {
  private sum = 0;
  private count = 0;
  add(ms: number): void {
    this.sum += ms;
    this.count += 1;
  }
  seconds(): number | null {
    return this.count === 0 ? null : Math.round(this.sum / this.count) / 1000;
  }
}

const isoDate = (d: LocalDate) =>
  `${String(d.year).padStart(4, '0')}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

const increment = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** Times are ISO-8601 text on every backend; differences are taken here, not in SQL, to stay portable. */
const between = (from: string, to: string) => Math.max(0, Date.parse(to) - Date.parse(from));

/**
 * Whether an incident met its acknowledgement target: acknowledged in time, or resolved in time without
 * needing one. Undefined while it is open, unacknowledged and still within its target (not decided yet).
 */
function metTarget(
  i: { opened_at: string; first_acknowledged_at: string | null; resolved_at: string | null },
  targetMs: number,
  now: string,
): boolean | undefined {
  const handledAt = i.first_acknowledged_at ?? i.resolved_at;
  if (handledAt !== null) return between(i.opened_at, handledAt) <= targetMs;
  return between(i.opened_at, now) > targetMs ? false : undefined;
}

/**
 * The report for [from, to): the figures of the incidents opened then (optionally of one team), SLO
 * attainment from `slo`, and all of it beside the period just before (q.previousFrom).
 */
export async function slaReport(db: Db, q: ReportQuery, slo: SloSource): Promise<SlaReport> {
  const previousFrom = q.previousFrom ?? new Date(2 * q.from.getTime() - q.to.getTime());
  const [current, previous, sloNow, sloBefore] = await Promise.all([
    incidentFigures(db, q),
    incidentFigures(db, { ...q, from: previousFrom, to: q.from }),
    slo.attainment(q.from, q.to),
    slo.attainment(previousFrom, q.from),
  ]);
  return {
    ...current,
    slo: sloNow,
    comparison: comparePeriods({ ...current, slo: sloNow }, { ...previous, slo: sloBefore }),
  };
}

/** The SLA figures for incidents opened in [from, to), optionally of one team. */
async function incidentFigures(db: Db, q: ReportQuery): Promise<IncidentFigures> {
  const from = q.from.toISOString();
  const to = q.to.toISOString();
  const now = q.now.toISOString();
  let incidentsQuery = db
    .selectFrom('incidents')
    .select(['id', 'severity', 'service', 'opened_at', 'first_acknowledged_at', 'resolved_at'])
    .where('opened_at', '>=', from)
    .where('opened_at', '<', to);
  if (q.team !== undefined) incidentsQuery = incidentsQuery.where('team', '=', q.team);
  let alertsQuery = db
    .selectFrom('alerts')
    .innerJoin('incidents', 'incidents.id', 'alerts.incident_id')
    .select(['alerts.incident_id', 'alerts.labels', 'incidents.service'])
    .where('incidents.opened_at', '>=', from)
    .where('incidents.opened_at', '<', to);
  if (q.team !== undefined) alertsQuery = alertsQuery.where('incidents.team', '=', q.team);
  const [incidents, alerts] = await Promise.all([incidentsQuery.execute(), alertsQuery.execute()]);

  const bySeverity: Record<string, number> = {};
  const byService: Record<string, number> = {};
  const mtta = new Mean();
  const mttr = new Mean();
  const firstDay = localDateAt(q.from, q.timeZone);
  const lastDay = localDateAt(new Date(q.to.getTime() - 1), q.timeZone);
  const days = Array.from({ length: daysBetween(firstDay, lastDay) + 1 }, (_, i) => ({
    date: isoDate(addDays(firstDay, i)),
    opened: 0,
    mtta: new Mean(),
    mttr: new Mean(),
  }));
  const dayIndex = new Map(days.map((d, i) => [d.date, i]));
  const sla = q.targets.map((t) => ({ target: t, incidents: 0, met: 0 }));

  for (const i of incidents) {
    // Whatever the case Alertmanager sent: CRITICAL is critical, as ranking and the targets read it.
    const severity = i.severity.toLowerCase();
    increment(bySeverity, severity);
    increment(byService, i.service ?? NONE);
    const day = days[dayIndex.get(isoDate(localDateAt(new Date(i.opened_at), q.timeZone))) ?? -1];
    if (day) day.opened += 1;
    // The first acknowledgement: one cleared by an ack_timeout (or a reopening) still happened in time.
    if (i.first_acknowledged_at !== null) {
      const ms = between(i.opened_at, i.first_acknowledged_at);
      mtta.add(ms);
      day?.mtta.add(ms);
    }
    if (i.resolved_at !== null) {
      const ms = between(i.opened_at, i.resolved_at);
      mttr.add(ms);
      day?.mttr.add(ms);
    }
    for (const s of sla) {
      if (s.target.severity !== severity) continue;
      const met = metTarget(i, s.target.acknowledge_within, now);
      if (met === undefined) continue;
      s.incidents += 1;
      if (met) s.met += 1;
    }
  }

  return {
    from,
    to,
    incidents: { total: incidents.length, by_severity: bySeverity, by_service: byService },
    mtta_seconds: mtta.seconds(),
    mttr_seconds: mttr.seconds(),
    sla: sla.map((s) => ({
      severity: s.target.severity,
      ack_within_seconds: s.target.acknowledge_within / 1000,
      incidents: s.incidents,
      met: s.met,
      attainment: s.incidents === 0 ? null : s.met / s.incidents,
    })),
    noisiest_alerts: noisiest(alerts),
    by_day: days.map((d) => ({
      date: d.date,
      opened: d.opened,
      mtta_seconds: d.mtta.seconds(),
      mttr_seconds: d.mttr.seconds(),
    })),
  };
}

/**
 * Alert occurrences per alertname and service (the alert's own service label, else its incident's), with
 * the number of incidents they belong to; the most frequent first. alertname sits inside the labels JSON,
 * which SQLite and PostgreSQL query differently, so labels are read here.
 */
function noisiest(
  alerts: { incident_id: number; labels: string; service: string | null }[],
): IncidentFigures['noisiest_alerts'] {
  const groups = new Map<
    string,
    { alertname: string; service: string; incidents: Set<number>; occurrences: number }
  >();
  for (const a of alerts) {
    const labels = JSON.parse(a.labels) as Record<string, string>;
    const alertname = labels.alertname ?? NONE;
    const service = labels.service ?? a.service ?? NONE;
    const key = JSON.stringify([alertname, service]);
    const group = groups.get(key) ?? { alertname, service, incidents: new Set<number>(), occurrences: 0 };
    group.incidents.add(a.incident_id);
    group.occurrences += 1;
    groups.set(key, group);
  }
  return [...groups.values()]
    .map((g) => ({
      alertname: g.alertname,
      service: g.service,
      incidents: g.incidents.size,
      occurrences: g.occurrences,
    }))
    .sort(
      (a, b) =>
        b.occurrences - a.occurrences ||
        b.incidents - a.incidents ||
        a.alertname.localeCompare(b.alertname) ||
        a.service.localeCompare(b.service),
    )
    .slice(0, NOISIEST_SHOWN);
}
