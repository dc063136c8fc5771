import { Router } from 'express';
import { z } from 'zod';
import type { ApiTokenEntry } from '../config';
import type { Db } from '../db/database';
import type { Clock } from '../notify/clock';
import type { ReportsConfig } from '../reports/config';
import { slaReport } from '../reports/sla';
import { requireRole } from './auth';
import { HttpError } from '@vigil/service-kit';
import { parse, text, time } from './params';

const DAY_MS = 86_400_000;
const DEFAULT_RANGE_MS = 7 * DAY_MS;
/** A year and a day: by_day stays a few hundred rows. */
const MAX_RANGE_MS = 366 * DAY_MS;

const query = z.strictObject({
  from: time.optional(),
  to: time.optional(),
  team: text.optional(),
});

/** GET /api/v1/reports/sla: the scheduled reports' figures for any range (default: the last 7 days). */
export function reportsRouter(db: Db, tokens: ApiTokenEntry[], reports: ReportsConfig, clock: Clock): Router {
  const router = Router();
  router.get('/reports/sla', requireRole(tokens, 'viewer'), async (req, res) => {
    const q = parse(query, req.query, 'query parameters');
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
    res.json(
      await slaReport(db, {
        from: new Date(from),
        to: new Date(to),
        team: q.team,
        now: new Date(now),
        targets: reports.sla,
        timeZone: reports.timezone,
      }),
    );
  });
  return router;
}
