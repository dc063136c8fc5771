import { Router, type Request, type Response } from 'express';
import {
  assignBody,
  CSV_MAX_ROWS,
  incidentFilters,
  incidentListQuery,
  noteBody,
  transitionBody,
  type IncidentPage,
} from '@vigil/api-contract';
import type { ApiTokenEntry } from '../config';
import type { Db } from '../db/database';
import type { EscalationPolicy } from '../escalation/policy';
import { act, getIncident, listIncidents } from '../incidents/repository';
import type { Caller } from './auth';
import { responderWithBody } from './json-body';
import { requireRole } from './auth';
import { HttpError } from '@vigil/service-kit';
import { sendCsv } from './csv';
import { parse, pathId } from './params';
import { presentIncident, presentIncidentDetail } from './presenters';

/** The incident id of the path, canonical decimal only (404 otherwise). */
export function incidentId(req: Request): number {
  return pathId(req.params.id, 'incident');
}

/** Seconds from one stored time to another, or empty when the second has not happened. */
const secondsBetween = (from: string, to: string | null) =>
  to === null ? null : Math.max(0, Date.parse(to) - Date.parse(from)) / 1000;

const CSV_HEADER = [
  'id',
  'status',
  'severity',
  'title',
  'service',
  'team',
  'component',
  'route',
  'opened_at',
  'acknowledged_at',
  'acknowledged_by',
  'resolved_at',
  'resolved_by',
  'assignee',
  'seconds_to_acknowledge',
  'seconds_to_resolve',
];

export function incidentsRouter(
  db: Db,
  tokens: ApiTokenEntry[],
  policies: ReadonlyMap<string, EscalationPolicy>,
  onChange: () => void,
  /** Channels that keep a thread per incident (see addToTimeline). */
  threads: ReadonlySet<string> = new Set(),
): Router {
  const router = Router();
  const viewer = requireRole(tokens, 'viewer');
  const responder = responderWithBody(tokens);

  router.get('/incidents', viewer, async (req, res) => {
    const q = parse(incidentListQuery, req.query, 'query parameters');
    const page = await listIncidents(db, { ...q, beforeId: q.cursor });
    res.json({
      items: page.items.map(presentIncident),
      next_cursor: page.nextBeforeId?.toString() ?? null,
    } satisfies IncidentPage);
  });

  router.get('/incidents.csv', viewer, async (req, res) => {
    const q = parse(incidentFilters, req.query, 'query parameters');
    const { items } = await listIncidents(db, { ...q, limit: CSV_MAX_ROWS });
    const rows = items
      .map(presentIncident)
      .map((i) => [
        i.id,
        i.status,
        i.severity,
        i.title,
        i.service,
        i.team,
        i.component,
        i.route?.key,
        i.opened_at,
        i.acknowledged_at,
        i.acknowledged_by,
        i.resolved_at,
        i.resolved_by,
        i.assignee,
        secondsBetween(i.opened_at, i.acknowledged_at),
        secondsBetween(i.opened_at, i.resolved_at),
      ]);
    sendCsv(res, 'incidents.csv', [CSV_HEADER, ...rows]);
  });

  router.get('/incidents/:id', viewer, async (req, res) => {
    const found = await getIncident(db, incidentId(req));
    if (!found) throw new HttpError(404, 'not_found', `incident ${req.params.id} does not exist`);
    res.json(presentIncidentDetail(found));
  });

  const respond = async (req: Request, res: Response, action: Parameters<typeof act>[3]) => {
    const id = incidentId(req);
    const caller = res.locals.caller as Caller;
    const result = await act(db, id, caller.name, action, policies, threads);
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
    const found = await getIncident(db, id);
    if (!found) throw new HttpError(404, 'not_found', `incident ${id} does not exist`);
    res.json(presentIncidentDetail(found));
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
