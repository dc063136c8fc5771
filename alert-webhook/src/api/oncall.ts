import { Router } from 'express';
import type { ApiTokenEntry } from '../config';
import type { OnCall, Schedule } from '../oncall/schedule';
import { nextShifts, whoIsOnCall } from '../oncall/schedule';
import { requireRole } from './auth';
import { HttpError } from '@vigil/service-kit';
import { MAX_MS, onCallQuery, type OnCallResponse, type Shift } from '@vigil/api-contract';
import { parse } from './params';

/** A shift running on past the year 9999, which RFC 3339 cannot write, is answered as ending there. */
const present = (shift: OnCall): Shift => ({
  user: shift.user,
  rotation: shift.rotation ?? null,
  override: shift.override !== undefined,
  shift_start: shift.shiftStart.toISOString(),
  shift_end: new Date(Math.min(shift.shiftEnd.getTime(), MAX_MS)).toISOString(),
});

/** GET /api/v1/oncall: who is on call per schedule, now or `at`, and who comes next. */
export function oncallRouter(schedules: Schedule[], tokens: ApiTokenEntry[]): Router {
  const router = Router();
  router.get('/oncall', requireRole(tokens, 'viewer'), (req, res) => {
    const q = parse(onCallQuery, req.query, 'query parameters');
    const at = q.at === undefined ? new Date() : new Date(q.at);
    const chosen = q.schedule === undefined ? schedules : schedules.filter((s) => s.name === q.schedule);
    if (q.schedule !== undefined && chosen.length === 0) {
      throw new HttpError(404, 'not_found', `no schedule named ${q.schedule}`);
    }
    res.json({
      at: at.toISOString(),
      schedules: chosen.map((schedule) => {
        const now = whoIsOnCall(schedule, at);
        return {
          name: schedule.name,
          on_call: now ? present(now) : null,
          next: nextShifts(schedule, at, 3)
            .filter((s) => s.shiftStart > at && s.shiftStart.getTime() <= MAX_MS)
            .slice(0, 2)
            .map(present),
        };
      }),
    } satisfies OnCallResponse);
  });
  return router;
}
