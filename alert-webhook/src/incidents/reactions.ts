import type { Transaction } from 'kysely';
import type { DatabaseSchema } from '../db/schema';
import { enqueue } from '../dispatch/outbox';
import { acknowledgeEscalation, startEscalation, stopEscalation } from '../escalation/store';
import type { EscalationPolicy } from '../escalation/policy';
import type { MatchedRoute } from '../routing/tree';

export type IncidentChange = 'opened' | 'reopened' | 'acknowledged' | 'resolved';

export interface ReactionContext {
  now: string;
  policies: ReadonlyMap<string, EscalationPolicy>;
}

/**
 * What follows a change of an incident's status, in the same transaction as the change: the route's
 * channels hear of it opening and resolving, and its escalation policy starts, pauses or stops.
 */
export async function react(
  tx: Transaction<DatabaseSchema>,
  incidentId: number,
  change: IncidentChange,
  ctx: ReactionContext,
): Promise<void> {
  const { route } = await tx
    .selectFrom('incidents')
    .select('route')
    .where('id', '=', incidentId)
    .executeTakeFirstOrThrow();
  const routes = route === null ? [] : (JSON.parse(route) as MatchedRoute[]);
  const channels = [...new Set(routes.flatMap((r) => r.channels))].map((channel) => ({ channel }));
  switch (change) {
    case 'opened':
    case 'reopened': {
      await enqueue(tx, incidentId, 'triggered', channels, ctx.now);
      const name = routes.find((r) => r.escalation !== undefined)?.escalation;
      const policy = name === undefined ? undefined : ctx.policies.get(name);
      if (policy) await startEscalation(tx, incidentId, policy, ctx.now);
      return;
    }
    case 'acknowledged':
      return acknowledgeEscalation(tx, incidentId, ctx.now);
    case 'resolved':
      await enqueue(tx, incidentId, 'resolved', channels, ctx.now);
      return stopEscalation(tx, incidentId, ctx.now);
  }
}
