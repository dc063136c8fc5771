import { Router } from 'express';
import type { UserList } from '@vigil/api-contract';
import type { ApiTokenEntry } from '../config';
import { requireRole } from './auth';

/** GET /api/v1/users: the configured users' names, so a client can offer them (action item owners). */
export function usersRouter(tokens: ApiTokenEntry[], users: readonly string[]): Router {
  const router = Router();
  router.get('/users', requireRole(tokens, 'viewer'), (_req, res) => {
    res.json({ items: users.map((name) => ({ name })) } satisfies UserList);
  });
  return router;
}
