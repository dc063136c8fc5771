import { ingest, type Snapshot } from '../../src/incidents/ingest';
import { policySchema } from '../../src/escalation/policy';
import { routingSchema } from '../../src/routing/schema';
import type { Db } from '../../src/db/database';
import type { WebhookPayload } from '../../src/webhook/payload';

/** A route that pages: its channel hears of every incident, and its policy escalates. */
export const PAGING_ROUTING = routingSchema.parse({ team: 'ops', channels: ['pager'], escalation: 'page' });
export const PAGING_POLICIES = new Map([
  ['page', policySchema.parse({ name: 'page', steps: [{ kind: 'notify_channels', channels: ['pager'] }] })],
]);

/** Merge options with the paging route, at a fixed time (the tests' clock). */
export const mergeOptions = ({
  now = '2026-11-22T10:01:00.000Z',
  reopenWindowMs = 0,
}: { now?: string; reopenWindowMs?: number } = {}) => ({
  now,
  reopenWindowMs,
  routing: PAGING_ROUTING,
  policies: PAGING_POLICIES,
});

const snapshots = (payloads: WebhookPayload | WebhookPayload[]): Snapshot[] =>
  (Array.isArray(payloads) ? payloads : [payloads]).map((payload) => ({ payload }));

/** Merging straight into a database (or through `via`, e.g. a gated one), and what it stored. */
export function mergeHarness(db: () => Db) {
  const merge = (
    payloads: WebhookPayload | WebhookPayload[],
    options: { now?: string; reopenWindowMs?: number; via?: Db } = {},
  ) => ingest(options.via ?? db(), snapshots(payloads), mergeOptions(options));
  return {
    merge,
    incidents: () => db().selectFrom('incidents').selectAll().orderBy('id').execute(),
    alerts: () => db().selectFrom('alerts').selectAll().orderBy('id').execute(),
    timeline: (incidentId?: number) => {
      let q = db().selectFrom('timeline').select(['incident_id', 'kind', 'message', 'data']).orderBy('id');
      if (incidentId !== undefined) q = q.where('incident_id', '=', incidentId);
      return q.execute();
    },
    /** Notifications queued (a `triggered` one is a page), as incident:event. */
    notifications: async () =>
      (await db().selectFrom('notifications').select(['incident_id', 'event']).orderBy('id').execute()).map(
        (n) => `${n.incident_id}:${n.event}`,
      ),
    escalations: () =>
      db().selectFrom('escalations').select(['incident_id', 'phase']).orderBy('incident_id').execute(),
  };
}
