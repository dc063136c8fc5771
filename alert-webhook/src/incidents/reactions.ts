import type { Transaction } from 'kysely';
import type { DatabaseSchema } from '../db/schema';
import { enqueue } from '../dispatch/outbox';
import { acknowledgeEscalation, startEscalation, stopEscalation } from '../escalation/store';
import type { EscalationPolicy } from '../escalation/policy';
import type { MatchedRoute } from '../routing/tree';
import { recordChange } from '../noise/changes';

export type IncidentChange = 'opened' | 'reopened' | 'acknowledged' | 'resolved';

export interface ReactionContext {
  now: string;
  policies: ReadonlyMap<string, EscalationPolicy>;
}

/** The channels and escalation policy of the routes snapshotted on an incident. */
export async function incidentRoute(tx: Transaction<DatabaseSchema>, incidentId: number) {
  const { route, team } = await tx
    .selectFrom('incidents')
    .select(['route', 'team'])
    .where('id', '=', incidentId)
    .executeTakeFirstOrThrow();
  const routes = route === null ? [] : (JSON.parse(route) as MatchedRoute[]);
  return {
    team,
    routes,
    channels: [...new Set(routes.flatMap((r) => r.channels))].map((channel) => ({ channel })),
  };
}

export interface TimelineEntry {
  at: string;
  kind: string;
  actor: string;
  message: string;
  data: string | null;
}

/**
 * Adds an entry to the incident's timeline and queues it for the route's channels (`timeline` event), so
 * integrations that keep a thread per incident (the Slack app) reply there; the others drop it. Channels in
 * `told` hear of it otherwise (an escalation step's own page) and are skipped.
 */
export async function addToTimeline(
  tx: Transaction<DatabaseSchema>,
  incidentId: number,
  entry: TimelineEntry,
  told: readonly string[] = [],
): Promise<void> {
  const { id } = await tx
    .insertInto('timeline')
    .values({ incident_id: incidentId, ...entry })
    .returning('id')
    .executeTakeFirstOrThrow();
  const { channels } = await incidentRoute(tx, incidentId);
  const entries = channels.filter((c) => !told.includes(c.channel)).map((c) => ({ ...c, timelineId: id }));
  await enqueue(tx, incidentId, 'timeline', entries, entry.at);
}

/**
 * What follows a change of an incident's status, in the same transaction as the change: the route's
 * channels hear of it opening and resolving, and its escalation policy starts, pauses or stops. The change
 * is also recorded for noise control (flapping, storms), which decides later whether each notification goes out.
 */
export async function react(
  tx: Transaction<DatabaseSchema>,
  incidentId: number,
  change: IncidentChange,
  ctx: ReactionContext,
): Promise<void> {
  const { team, routes, channels } = await incidentRoute(tx, incidentId);
  await recordChange(tx, { incidentId, team, change, at: ctx.now });
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
      // Queued for every channel; those whose integration does not mirror acknowledgements drop it.
      await enqueue(tx, incidentId, 'acknowledged', channels, ctx.now);
      return acknowledgeEscalation(tx, incidentId, ctx.now);
    case 'resolved':
      await enqueue(tx, incidentId, 'resolved', channels, ctx.now);
      return stopEscalation(tx, incidentId, ctx.now);
  }
}
