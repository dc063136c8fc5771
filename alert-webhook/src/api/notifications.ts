import { Router } from 'express';
import type { Notification } from '@vigil/api-contract';
import type { ApiTokenEntry } from '../config';
import type { Db } from '../db/database';
import { requireRole } from './auth';
import { HttpError } from '@vigil/service-kit';
import { incidentId } from './incidents';

/** GET /api/v1/incidents/{id}/notifications: what was sent for an incident, each with its delivery attempts. */
export function notificationsRouter(db: Db, tokens: ApiTokenEntry[]): Router {
  const router = Router();
  router.get('/incidents/:id/notifications', requireRole(tokens, 'viewer'), async (req, res) => {
    const id = incidentId(req);
    const incident = await db.selectFrom('incidents').select('id').where('id', '=', id).executeTakeFirst();
    if (!incident) throw new HttpError(404, 'not_found', `incident ${id} does not exist`);
    const [notifications, attempts] = await Promise.all([
      db.selectFrom('notifications').selectAll().where('incident_id', '=', id).orderBy('id').execute(),
      db.selectFrom('delivery_attempts').selectAll().where('incident_id', '=', id).orderBy('id').execute(),
    ]);
    res.json({
      items: notifications.map((n): Notification => ({
        id: n.id,
        event: n.event,
        channel: n.channel,
        recipient: n.recipient,
        status: n.status,
        hold_reason: n.hold_reason,
        // A storm's digest carries its storm in hold_ref too, but was never held itself.
        hold_ref: n.hold_reason === null ? null : n.hold_ref,
        attempts: n.attempts,
        last_error: n.last_error,
        created_at: n.created_at,
        updated_at: n.updated_at,
        deliveries: attempts
          .filter((a) => a.notification_id === n.id)
          .map((a) => ({
            attempt: a.attempt,
            at: a.at,
            kind: a.kind,
            target: a.target,
            ok: a.ok === 1,
            status_code: a.status_code,
            error: a.error,
            duration_ms: a.duration_ms,
          })),
      })),
    });
  });
  return router;
}
