import { Router, type Request } from 'express';
import { createMaintenanceBody, type MaintenanceList } from '@vigil/api-contract';
import type { ApiTokenEntry } from '../config';
import { windowMatchers } from '../noise/config';
import { presentWindow, type MaintenanceWindows } from '../noise/maintenance';
import { responderWithBody } from './json-body';
import { requireRole, type Caller } from './auth';
import { HttpError } from '@vigil/service-kit';
import { parse, pathId } from './params';
import type { FieldProblem } from '@vigil/service-kit';

/** The contract's body, with the matchers' syntax checked as the receiver parses them. */
const createBody = createMaintenanceBody.extend({ matchers: windowMatchers });

/** The window id of the path, canonical decimal only (404 otherwise). */
const windowId = (req: Request) => pathId(req.params.id, 'maintenance window');

/** Maintenance windows: viewers list them, responders create and delete them. */
export function maintenanceRouter(
  windows: MaintenanceWindows,
  tokens: ApiTokenEntry[],
  ready: () => Promise<void>,
) {
  const router = Router();
  const viewer = requireRole(tokens, 'viewer');
  const responder = responderWithBody(tokens);

  router.get('/maintenance', viewer, async (_req, res) => {
    await ready();
    const now = new Date().toISOString();
    res.json({
      items: (await windows.list(now)).map((w) => presentWindow(w, now)),
    } satisfies MaintenanceList);
  });

  router.get('/maintenance/:id', viewer, async (req, res) => {
    const w = await windows.get(windowId(req));
    if (!w) throw new HttpError(404, 'not_found', `maintenance window ${req.params.id} does not exist`);
    res.json(presentWindow(w, new Date().toISOString()));
  });

  router.post('/maintenance', responder, async (req, res) => {
    const body = parse(createBody, req.body, 'body');
    const now = new Date().toISOString();
    const startsAt = body.starts_at ?? now;
    const problems: FieldProblem[] = [];
    // "after starts_at" only when one was given: without, the start is now and the end must be in the future.
    if (body.starts_at !== undefined && body.ends_at <= startsAt)
      problems.push({ field: 'ends_at', message: 'must be after starts_at' });
    else if (body.ends_at <= now) problems.push({ field: 'ends_at', message: 'must be in the future' });
    if (problems.length > 0) throw new HttpError(400, 'invalid_request', 'invalid body', problems);
    await ready();
    const caller = res.locals.caller as Caller;
    const created = await windows.create(
      { matchers: body.matchers, starts_at: startsAt, ends_at: body.ends_at, comment: body.comment },
      caller.name,
      now,
    );
    res.status(201).json(presentWindow(created, now));
  });

  router.delete('/maintenance/:id', responder, async (req, res) => {
    const id = windowId(req);
    const existing = await windows.get(id);
    if (!existing) throw new HttpError(404, 'not_found', `maintenance window ${id} does not exist`);
    const now = new Date().toISOString();
    // Ended already, deleted or past its end (GET still shows it): the same outcome again, as a repeated
    // DELETE should be; nothing is changed or audited.
    if (existing.deleted_at !== null || Date.parse(existing.ends_at) <= Date.parse(now))
      return void res.json(presentWindow(existing, now));
    if (existing.source === 'config') {
      throw new HttpError(
        409,
        'defined_in_config',
        `maintenance window ${id} (${existing.name ?? ''}) comes from the configuration file; remove it there`,
      );
    }
    const deleted = await windows.delete(id, (res.locals.caller as Caller).name, now);
    // Ended meanwhile by another request: the same outcome.
    const ended = deleted ?? (await windows.get(id));
    if (!ended) throw new HttpError(404, 'not_found', `maintenance window ${id} does not exist`);
    res.json(presentWindow(ended, now));
  });
  return router;
}
