import { Router, type Request } from 'express';
import { slaQuery, type SlaReport } from '@vigil/api-contract';
import type { ApiTokenEntry } from '../config';
import type { Db } from '../db/database';
import type { Clock } from '../notify/clock';
import type { ReportsConfig } from '../reports/config';
import { slaReport } from '../reports/sla';
import { requireRole } from './auth';
import { HttpError } from '@vigil/service-kit';
import { sendCsv } from './csv';
import { parse } from './params';

const DAY_MS = 86_400_000;
const DEFAULT_RANGE_MS = 7 * DAY_MS;
/** A year and a day: by_day stays a few hundred rows. */
const MAX_RANGE_MS = 366 * DAY_MS;

/** The report's rows for a spreadsheet: the totals, one row a day, one a severity target, the noisiest alerts. */
function reportRows(r: SlaReport) {
  return [
    ['section', 'from', 'to', 'incidents', 'mtta_seconds', 'mttr_seconds'],
    ['total', r.from, r.to, r.incidents.total, r.mtta_seconds, r.mttr_seconds],
    [],
    ['section', 'date', 'opened', 'mtta_seconds', 'mttr_seconds'],
    ...r.by_day.map((d) => ['day', d.date, d.opened, d.mtta_seconds, d.mttr_seconds]),
    [],
    ['section', 'severity', 'ack_within_seconds', 'incidents', 'met', 'attainment'],
    ...r.sla.map((s) => ['sla', s.severity, s.ack_within_seconds, s.incidents, s.met, s.attainment]),
    [],
    ['section', 'alertname', 'service', 'incidents', 'occurrences'],
    ...r.noisiest_alerts.map((a) => ['noisiest', a.alertname, a.service, a.incidents, a.occurrences]),
  ];
}

/** GET /api/v1/reports/sla(.csv): the scheduled reports' figures for any range (default: the last 7 days). */
export function reportsRouter(db: Db, tokens: ApiTokenEntry[], reports: ReportsConfig, clock: Clock): Router {
  const router = Router();
  const report = async (req: Request) => {
    const q = parse(slaQuery, req.query, 'query parameters');
    const now = clock.now();
    const to = q.to === undefined ? now : Date.parse(q.to);
    const from = q.from === undefined ? to - DEFAULT_RANGE_MS : Date.parse(q.from);
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
    return slaReport(db, {
      from: new Date(from),
      to: new Date(to),
      team: q.team,
      now: new Date(now),
      targets: reports.sla,
      timeZone: reports.timezone,
    });
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
