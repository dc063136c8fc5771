import type { Transaction } from 'kysely';
import type { DatabaseSchema } from '../db/schema';
import { enqueue, enqueueAll } from '../dispatch/outbox';
import { acknowledgeEscalation, startEscalations, stopEscalations } from '../escalation/store';
import type { EscalationPolicy } from '../escalation/policy';
import type { MatchedRoute } from '../routing/tree';
import { recordChanges } from '../noise/changes';

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
    channels: channelsOf(routes),
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
 * Adds an entry to the incident's timeline and queues it (`timeline` event) for those of the route's
 * channels that keep a thread per incident (`threads`: the Slack app), which reply there. Channels in
 * `told` hear of it otherwise (an escalation step's own page) and are skipped.
 */
export async function addToTimeline(
  tx: Transaction<DatabaseSchema>,
  incidentId: number,
  entry: TimelineEntry,
  threads: ReadonlySet<string>,
  told: readonly string[] = [],
): Promise<void> {
  const { id } = await tx
    .insertInto('timeline')
    .values({ incident_id: incidentId, ...entry })
    .returning('id')
    .executeTakeFirstOrThrow();
  const { channels } = await incidentRoute(tx, incidentId);
  const entries = channels
    .filter((c) => threads.has(c.channel) && !told.includes(c.channel))
    .map((c) => ({ ...c, timelineId: id }));
  await enqueue(tx, incidentId, 'timeline', entries, entry.at);
}

/** A change of one incident's status, with its route snapshot (team, routes) to react by. */
export interface Reaction {
  incidentId: number;
  change: IncidentChange;
  team: string | null;
  routes: MatchedRoute[];
}

const channelsOf = (routes: MatchedRoute[]) =>
  [...new Set(routes.flatMap((r) => r.channels))].map((channel) => ({ channel }));

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
  const { team, routes } = await incidentRoute(tx, incidentId);
  await reactAll(tx, [{ incidentId, change, team, routes }], ctx);
}

/**
 * react() for many changes at once (a merge batch's), in their order, with a statement per kind of row
 * rather than per change: the changes, the notifications, and the escalations started and stopped.
 */
export async function reactAll(
  tx: Transaction<DatabaseSchema>,
  reactions: Reaction[],
  ctx: ReactionContext,
): Promise<void> {
  if (reactions.length === 0) return;
  await recordChanges(
    tx,
    reactions.map(({ incidentId, team, change }) => ({ incidentId, team, change, at: ctx.now })),
  );
  await enqueueAll(
    tx,
    reactions.map(({ incidentId, change, routes }) => ({
      incidentId,
      event: change === 'opened' || change === 'reopened' ? 'triggered' : change,
      entries: channelsOf(routes),
    })),
    ctx.now,
  );
  // An incident's escalation ends as its last start (a start overwrites it whole), stopped if it resolved after.
  const starts = new Map<number, EscalationPolicy>();
  const stops = new Set<number>();
  for (const { incidentId, change, routes } of reactions) {
    if (change === 'acknowledged') await acknowledgeEscalation(tx, incidentId, ctx.now);
    else if (change === 'resolved') stops.add(incidentId);
    else {
      const name = routes.find((r) => r.escalation !== undefined)?.escalation;
      const policy = name === undefined ? undefined : ctx.policies.get(name);
      if (policy) {
        starts.set(incidentId, policy);
        stops.delete(incidentId);
      }
    }
  }
  await startEscalations(
    tx,
    [...starts].map(([incidentId, policy]) => ({ incidentId, policy })),
    ctx.now,
  );
  await stopEscalations(tx, [...stops], ctx.now);
}
