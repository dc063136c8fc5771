import express, { Router, type Response } from 'express';
import type { Db } from '../db/database';
import type { EscalationPolicy } from '../escalation/policy';
import { act } from '../incidents/repository';
import { verifyAckToken } from '../notify/links';
import { escapeHtml, htmlPage as page } from './html';
import { showIncidentPage } from './incident-page';

const ACTOR = 'ack-link';

/**
 * The signed links from notifications. An acknowledge link shows a button; the button acknowledges. A GET
 * never changes anything, because mail scanners open links on their own. An incident link (`/view/`, for
 * notifications without Grafana) shows the incident, read-only.
 */
export function ackRouter(
  db: Db,
  secret: string,
  policies: ReadonlyMap<string, EscalationPolicy>,
  onChange: () => void,
) {
  const router = Router();
  const check = (token: string, res: Response) => {
    const result = verifyAckToken(secret, token);
    if (result.ok) return result.incidentId;
    if (result.reason === 'expired')
      page(res, 410, 'This link has expired', '<p>Acknowledge the incident in Grafana instead.</p>');
    else page(res, 403, 'This link is not valid', '<p>It was changed or not issued by this Vigil.</p>');
    return undefined;
  };

  router.get('/view/:token', (req, res) => showIncidentPage(db, secret, req.params.token, res));

  router.get('/ack/:token', async (req, res) => {
    const id = check(req.params.token, res);
    if (id === undefined) return;
    const incident = await db
      .selectFrom('incidents')
      .select(['title', 'status'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!incident) return page(res, 404, `Incident ${id} does not exist`, '');
    page(
      res,
      200,
      `Incident #${id}: ${incident.title}`,
      `<p>Status: <strong>${escapeHtml(incident.status)}</strong></p>` +
        `<form method="post"><button type="submit" style="font-size:1.2em;padding:.5em 1em">Acknowledge</button></form>`,
    );
  });

  router.post('/ack/:token', express.urlencoded({ extended: false, limit: '1kb' }), async (req, res) => {
    const id = check(req.params.token, res);
    if (id === undefined) return;
    const result = await act(db, id, ACTOR, { kind: 'acknowledge' }, policies);
    if (result.outcome === 'not_found') return page(res, 404, `Incident ${id} does not exist`, '');
    if (result.outcome === 'invalid') {
      return page(res, 409, `Incident #${id} is already ${result.status}`, '<p>Nothing to acknowledge.</p>');
    }
    onChange();
    page(res, 200, `Incident #${id} acknowledged`, '<p>Escalation has stopped. Thank you.</p>');
  });
  return router;
}
