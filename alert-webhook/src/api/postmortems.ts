import { Router, type Request, type Response } from 'express';
import { postmortemBody, type Postmortem } from '@vigil/api-contract';
import { HttpError, type FieldProblem } from '@vigil/service-kit';
import type { ApiTokenEntry } from '../config';
import type { Db } from '../db/database';
import { getPostmortem, putPostmortem } from '../incidents/postmortems';
import { getIncident } from '../incidents/repository';
import { responderWithBody } from './json-body';
import { requireRole, type Caller } from './auth';
import { incidentId } from './incidents';
import { parse } from './params';
import { postmortemMarkdown } from './postmortem-markdown';
import { presentIncident, presentPostmortem } from './presenters';

/**
 * An incident's postmortem: viewers read it (JSON or Markdown), responders write it whole; each write is
 * audited. Action items are owned by the configured users (`users`), named.
 */
export function postmortemsRouter(db: Db, tokens: ApiTokenEntry[], users: readonly string[]): Router {
  const router = Router();
  const viewer = requireRole(tokens, 'viewer');
  const responder = responderWithBody(tokens);
  const known = new Set(users);

  const load = async (req: Request): Promise<Postmortem> => {
    const id = incidentId(req);
    const found = await getPostmortem(db, id);
    if (found) return presentPostmortem(found);
    const incident = await db.selectFrom('incidents').select('id').where('id', '=', id).executeTakeFirst();
    throw new HttpError(
      404,
      'not_found',
      incident ? `incident ${id} has no postmortem yet` : `incident ${id} does not exist`,
    );
  };

  router.get('/incidents/:id/postmortem', viewer, async (req, res) => {
    res.json(await load(req));
  });

  router.get('/incidents/:id/postmortem.md', viewer, async (req, res) => {
    const pm = await load(req);
    const found = await getIncident(db, pm.incident_id);
    if (!found) throw new HttpError(404, 'not_found', `incident ${pm.incident_id} does not exist`);
    res
      .status(200)
      .type('text/markdown; charset=utf-8')
      .setHeader('Content-Disposition', `attachment; filename="incident-${pm.incident_id}-postmortem.md"`)
      .send(postmortemMarkdown(presentIncident(found.incident), pm));
  });

  router.put('/incidents/:id/postmortem', responder, async (req: Request, res: Response) => {
    const id = incidentId(req);
    const body = parse(postmortemBody, req.body, 'body');
    const problems: FieldProblem[] = [];
    body.action_items.forEach((item, i) => {
      if (item.owner !== null && !known.has(item.owner))
        problems.push({
          field: `action_items.${i}.owner`,
          message: `${JSON.stringify(item.owner.slice(0, 80))} is not a Vigil user (users in the configuration)`,
        });
    });
    if (problems.length > 0) throw new HttpError(400, 'invalid_request', 'invalid body', problems);
    const result = await putPostmortem(db, id, (res.locals.caller as Caller).name, body);
    if (result.outcome === 'not_found')
      throw new HttpError(404, 'not_found', `incident ${id} does not exist`);
    if (result.outcome === 'foreign_entries') {
      throw new HttpError(
        400,
        'invalid_request',
        'invalid body',
        result.indexes.map((i) => ({
          field: `timeline_entry_ids.${i}`,
          message: `is not an entry of incident ${id}'s timeline`,
        })),
      );
    }
    res.json(await load(req));
  });
  return router;
}
