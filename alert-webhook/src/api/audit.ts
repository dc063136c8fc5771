import { Router } from 'express';
import { auditQuery, type AuditEntry, type AuditPage } from '@vigil/api-contract';
import type { Selectable } from 'kysely';
import type { ApiTokenEntry } from '../config';
import type { Db } from '../db/database';
import type { AuditTable } from '../db/schema';
import { requireRole } from './auth';
import { parse } from './params';

function presentAuditEntry(row: Selectable<AuditTable>): AuditEntry {
  let details: unknown = null;
  try {
    details = JSON.parse(row.details) as unknown;
  } catch {
    details = row.details;
  }
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action,
    incident_id: row.incident_id,
    details,
  };
}

/** GET /api/v1/audit: who did what, newest first, for admins; filtered by actor, action, incident and time. */
export function auditRouter(db: Db, tokens: ApiTokenEntry[]): Router {
  const router = Router();
  router.get('/audit', requireRole(tokens, 'admin'), async (req, res) => {
    const q = parse(auditQuery, req.query, 'query parameters');
    let query = db
      .selectFrom('audit_log')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(q.limit + 1);
    if (q.actor !== undefined) query = query.where('actor', '=', q.actor);
    if (q.action !== undefined) query = query.where('action', '=', q.action);
    if (q.incident_id !== undefined) query = query.where('incident_id', '=', q.incident_id);
    if (q.since !== undefined) query = query.where('at', '>=', q.since);
    if (q.until !== undefined) query = query.where('at', '<', q.until);
    if (q.cursor !== undefined) query = query.where('id', '<', q.cursor);
    const rows = await query.execute();
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    res.json({
      items: page.map(presentAuditEntry),
      next_cursor: rows.length > q.limit && last ? String(last.id) : null,
    } satisfies AuditPage);
  });
  return router;
}
