import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { formatDuration } from '@vigil/service-kit';
import { lockInOrder } from '../db/merge-locks';
import { isPostgres } from '../db/postgres';
import type { DatabaseSchema } from '../db/schema';
import { route, type CorrelationRule, type RoutingTree } from '../routing/tree';
import type { WebhookAlert, WebhookPayload } from '../webhook/payload';
import { age, type IncidentState, type MergeState } from './merge-state';
import type { MergeWrites } from './merge-writes';
import { leadAlert } from './rules';

type Tx = Transaction<DatabaseSchema>;

/** The rule a group falls under and the label values it shares: groups with the same key correlate. */
export interface Correlation {
  /** SHA-256 (hex) of the route key and the `by` labels' values; stored on the incident it opens. */
  key: string;
  routeKey: string;
  rule: CorrelationRule;
  labels: Record<string, string>;
}

/**
 * The correlation of a group, from the first route its lead alert takes (the one that decides the team): none
 * when that route has no rule, or when the group's firing alerts do not all share one non-empty value of
 * every `by` label (a group spanning two services belongs to neither).
 */
export function correlationOf(payload: WebhookPayload, routing: RoutingTree): Correlation | undefined {
  const firing = payload.alerts.filter((a) => a.status === 'firing');
  if (firing.length === 0) return undefined;
  // The route the incident would open on: its lead alert's, as ingest.ts routes it.
  const lead = leadAlert(firing);
  const matched = route(routing, { ...lead.labels, ...payload.commonLabels })[0];
  const rule = matched?.correlation;
  if (!matched || !rule) return undefined;
  const labels: Record<string, string> = {};
  for (const name of rule.by) {
    const value = lead.labels[name];
    if (!value || firing.some((a) => a.labels[name] !== value)) return undefined;
    labels[name] = value;
  }
  const key = createHash('sha256')
    .update(JSON.stringify([matched.key, matched.team, labels]))
    .digest('hex');
  return { key, routeKey: matched.key, rule, labels };
}

/**
 * On PostgreSQL, takes the advisory locks of the batch's correlation keys (after its group locks, in key
 * order): two replicas merging different groups of one service then look for the open incident one after
 * the other, and the second joins what the first opened instead of opening another.
 */
export async function lockCorrelations(
  tx: Tx,
  snapshots: { payload: WebhookPayload }[],
  routing: RoutingTree,
): Promise<void> {
  if (!isPostgres(tx as unknown as Kysely<unknown>)) return;
  const keys = snapshots.flatMap(({ payload }) => {
    const correlation = correlationOf(payload, routing);
    // The key is a SHA-256 already: its first 8 bytes are the lock, as for a group.
    return correlation ? [Buffer.from(correlation.key, 'hex').readBigInt64BE(0)] : [];
  });
  await lockInOrder(tx, keys);
}

/**
 * The open incident this group joins instead of opening its own: the oldest one with the same correlation
 * key opened within the rule's window (stored, or opened earlier in the batch). Records on its timeline
 * why the alerts joined.
 */
export function joinCorrelated(
  state: MergeState,
  writes: MergeWrites,
  correlation: Correlation,
  payload: WebhookPayload,
  alerts: WebhookAlert[],
  now: string,
): IncidentState | undefined {
  const since = new Date(Date.parse(now) - correlation.rule.window).toISOString();
  const target = [...state.incidents.values()]
    .filter(
      (i) =>
        i.row.correlation_key === correlation.key && i.row.status !== 'resolved' && i.row.opened_at >= since,
    )
    .sort((a, b) => age(a) - age(b))[0];
  if (!target) return undefined;
  const alertnames = [...new Set(alerts.map((a) => a.labels.alertname ?? '(no alertname)'))];
  const matched = Object.entries(correlation.labels).map(([k, v]) => `${k}="${v}"`);
  const window = formatDuration(correlation.rule.window);
  writes.timeline.push({
    incident: target,
    kind: 'correlated',
    message: `${alertnames.join(', ')} joined: same ${matched.join(', ')} within ${window} (correlation rule of route ${correlation.routeKey})`,
    data: JSON.stringify({
      rule: { route: correlation.routeKey, by: correlation.rule.by, window },
      labels: correlation.labels,
      alertnames,
      receiver: payload.receiver,
      group_key: payload.groupKey,
    }),
  });
  return target;
}

const ROOT_CAUSE = 'root_cause';

/**
 * The likely cause the alerts name: a `root_cause` label or annotation, as an alert built on the health-check
 * exporter's `healthcheck_root_cause_info` (or ServiceDown, which fires only for the service at the bottom
 * of a failing chain) carries it.
 */
export function namedCause(alerts: WebhookAlert[]): { cause: string; alertname: string } | undefined {
  for (const alert of alerts) {
    if (alert.status !== 'firing') continue;
    const cause = alert.labels[ROOT_CAUSE] || alert.annotations[ROOT_CAUSE];
    if (cause) return { cause, alertname: alert.labels.alertname ?? '(no alertname)' };
  }
  return undefined;
}

/** Sets the incident's likely cause from its new alerts when it has none yet, noting it on the timeline. */
export function noteLikelyCause(incident: IncidentState, alerts: WebhookAlert[], writes: MergeWrites): void {
  const named = namedCause(alerts);
  if (!named || incident.row.likely_cause) return;
  incident.row.likely_cause = named.cause;
  incident.changed = true;
  writes.timeline.push({
    incident,
    kind: 'likely_cause',
    message: `likely cause: ${named.cause} (named by ${named.alertname})`,
    data: JSON.stringify({ likely_cause: named.cause, alertname: named.alertname }),
  });
}
