import { Router, type Request } from 'express';
import { slaQuery, type Change, type SlaReport } from '@vigil/api-contract';
import type { ApiTokenEntry } from '../config';
import type { Db } from '../db/database';
import type { Clock } from '../notify/clock';
import type { ReportsConfig } from '../reports/config';
import { slaReport } from '../reports/sla';
import type { SloSource } from '../reports/slo';
import { requireRole } from './auth';
import { DAY_MS, HttpError } from '@vigil/service-kit';
import { sendCsv } from './csv';
import { parse } from './params';

const DEFAULT_RANGE_MS = 7 * DAY_MS;
/** The earliest time the API takes (year 0001): a default range starts no earlier. */
const EARLIEST_MS = Date.parse('0001-01-01T00:00:00Z');
/** A year and a day: by_day stays a few hundred rows. */
const MAX_RANGE_MS = 366 * DAY_MS;

/**
 * The report's rows for a spreadsheet: the totals (and the previous period's), one row a day, one a severity
 * target, the noisiest alerts, where SLO figures came from, one row an SLO, then each figure beside the
 * previous period's.
 */
function reportRows(r: SlaReport) {
  const c = r.comparison;
  const compared = (figure: string, key: string, x: Change) => [
    'comparison',
    figure,
    key,
    x.current,
    x.previous,
    x.delta,
  ];
  return [
    ['section', 'from', 'to', 'incidents', 'mtta_seconds', 'mttr_seconds'],
    ['total', r.from, r.to, r.incidents.total, r.mtta_seconds, r.mttr_seconds],
    [
      'previous',
      c.previous_from,
      c.previous_to,
      c.incidents.previous,
      c.mtta_seconds.previous,
      c.mttr_seconds.previous,
    ],
    [],
    ['section', 'date', 'opened', 'mtta_seconds', 'mttr_seconds'],
    ...r.by_day.map((d) => ['day', d.date, d.opened, d.mtta_seconds, d.mttr_seconds]),
    [],
    ['section', 'severity', 'ack_within_seconds', 'incidents', 'met', 'attainment'],
    ...r.sla.map((s) => ['sla', s.severity, s.ack_within_seconds, s.incidents, s.met, s.attainment]),
    [],
    ['section', 'alertname', 'service', 'incidents', 'occurrences'],
    ...r.noisiest_alerts.map((a) => ['noisiest', a.alertname, a.service, a.incidents, a.occurrences]),
    [],
    ['section', 'status', 'error'],
    ['slo_source', r.slo.status, r.slo.error],
    [],
    ['section', 'service', 'slo', 'objective', 'error_ratio', 'budget_consumed'],
    ...r.slo.objectives.map((o) => ['slo', o.service, o.slo, o.objective, o.error_ratio, o.budget_consumed]),
    [],
    ['section', 'figure', 'key', 'current', 'previous', 'delta'],
    compared('incidents', '', c.incidents),
    compared('mtta_seconds', '', c.mtta_seconds),
    compared('mttr_seconds', '', c.mttr_seconds),
    ...c.sla.map((s) => compared('sla_attainment', s.severity, s.attainment)),
    ...c.slo.map((o) => compared('slo_budget_consumed', `${o.service}/${o.slo}`, o.budget_consumed)),
  ];
}

/** GET /api/v1/reports/sla(.csv): the scheduled reports' figures for any range (default: the last 7 days). */
export function reportsRouter(
  db: Db,
  tokens: ApiTokenEntry[],
  reports: ReportsConfig,
  slo: SloSource,
  clock: Clock,
): Router {
  const router = Router();
  const report = async (req: Request) => {
    const q = parse(slaQuery, req.query, 'query parameters');
    const now = clock.now();
    const to = q.to === undefined ? now : Date.parse(q.to);
    const from = q.from === undefined ? Math.max(EARLIEST_MS, to - DEFAULT_RANGE_MS) : Date.parse(q.from);
    const bad = (field: string, message: string) =>
      new HttpError(400, 'invalid_request', `invalid query parameters: ${field} ${message}`, [
        { field, message },
      ]);
    if (to <= from) {
      throw q.to === undefined
        ? bad('from', 'must be earlier than now (the default to)')
        : bad('to', 'must be later than from');
    }
    // Without from the range is the default 7 days, so only a given from can make it too long.
    if (to - from > MAX_RANGE_MS) throw bad('from', 'must be at most 366 days before to');
    return slaReport(
      db,
      {
        from: new Date(from),
        to: new Date(to),
        team: q.team,
        now: new Date(now),
        targets: reports.sla,
        timeZone: reports.timezone,
      },
      slo,
    );
  };
  const viewer = requireRole(tokens, 'viewer');
  router.get('/reports/sla', viewer, async (req, res) => {
    res.json(await report(req));
  });
  router.get('/reports/sla.csv', viewer, async (req, res) => {
    sendCsv(res, 'sla-report.csv', reportRows(await report(req)));
  });
  return router;
}
