import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ApiTokenEntry } from '../config';
import type { Db } from '../db/database';
import type { EscalationPolicy } from '../escalation/policy';
import { act, getIncident, listIncidents } from '../incidents/repository';
import type { Caller } from './auth';
import { requireRole } from './auth';
import { HttpError } from '@vigil/service-kit';
import { parse, pathId, text, time } from './params';

const csv = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(item));

const listQuery = z.strictObject({
  status: csv(z.enum(['triggered', 'acknowledged', 'resolved'])).optional(),
  severity: csv(text).optional(),
  service: text.optional(),
  team: text.optional(),
  since: time.optional(),
  until: time.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'must be a cursor returned by a previous page')
    .transform(Number)
    .refine(Number.isSafeInteger, 'must be a cursor returned by a previous page')
    .optional(),
});

const transitionBody = z.strictObject({ note: z.string().max(10_000).optional() });
const noteBody = z.strictObject({ text: z.string().trim().min(1).max(10_000) });
const assignBody = z.strictObject({ assignee: z.string().trim().min(1).max(200).nullable() });

/** The incident id of the path, canonical decimal only (404 otherwise). */
export function incidentId(req: Request): number {
  return pathId(req.params.id, 'incident');
}

export function incidentsRouter(
  db: Db,
  tokens: ApiTokenEntry[],
  policies: ReadonlyMap<string, EscalationPolicy>,
  onChange: () => void,
): Router {
  const router = Router();
  const viewer = requireRole(tokens, 'viewer');
  const responder = requireRole(tokens, 'responder');

  router.get('/incidents', viewer, async (req, res) => {
    const q = parse(listQuery, req.query, 'query parameters');
    const page = await listIncidents(db, {
      status: q.status,
      severity: q.severity,
      service: q.service,
      team: q.team,
      since: q.since,
      until: q.until,
      beforeId: q.cursor,
      limit: q.limit,
    });
    res.json({ items: page.items, next_cursor: page.nextBeforeId?.toString() ?? null });
  });

  router.get('/incidents/:id', viewer, async (req, res) => {
    const incident = await getIncident(db, incidentId(req));
    if (!incident) throw new HttpError(404, 'not_found', `incident ${req.params.id} does not exist`);
    res.json(incident);
  });

  const respond = async (req: Request, res: Response, action: Parameters<typeof act>[3]) => {
    const id = incidentId(req);
    const caller = res.locals.caller as Caller;
    const result = await act(db, id, caller.name, action, policies);
    if (result.outcome === 'not_found')
      throw new HttpError(404, 'not_found', `incident ${id} does not exist`);
    if (result.outcome === 'invalid') {
      throw new HttpError(
        409,
        'invalid_transition',
        `cannot ${action.kind} an incident that is ${result.status}`,
      );
    }
    onChange();
    res.json(await getIncident(db, id));
  };

  for (const kind of ['acknowledge', 'resolve', 'reopen'] as const) {
    router.post(`/incidents/:id/${kind}`, responder, (req, res) =>
      respond(req, res, { kind, ...parse(transitionBody, req.body, 'body') }),
    );
  }
  router.post('/incidents/:id/notes', responder, (req, res) =>
    respond(req, res, { kind: 'note', ...parse(noteBody, req.body, 'body') }),
  );
  router.post('/incidents/:id/assign', responder, (req, res) =>
    respond(req, res, { kind: 'assign', ...parse(assignBody, req.body, 'body') }),
  );
  return router;
}
