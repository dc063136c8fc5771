import { Router } from 'express';
import type { ApiTokenEntry } from '../config';
import type { Caller } from '@vigil/api-contract';
import { requireRole } from './auth';

/** GET /api/v1/whoami: the calling token's name and role, so a client (Grafana's config page) can test it. */
export function whoamiRouter(tokens: ApiTokenEntry[]): Router {
  const router = Router();
  router.get('/whoami', requireRole(tokens, 'viewer'), (_req, res) => {
    const { name, role } = res.locals.caller as Caller;
    res.json({ name, role });
  });
  return router;
}
