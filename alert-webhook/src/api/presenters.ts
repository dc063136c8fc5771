import type { Selectable } from 'kysely';
import type {
  Alert,
  Correlation,
  Incident,
  IncidentDetail,
  Postmortem,
  Route,
  Ticket,
  TimelineEntry,
} from '@vigil/api-contract';
import type {
  AlertTable,
  IncidentTable,
  PostmortemActionItemTable,
  PostmortemTable,
  TimelineTable,
} from '../db/schema';
import { presentExtra } from '../incidents/extra';
import type { MatchedRoute } from '../routing/tree';

/**
 * Responses are built field by field from the rows, to the contract's shapes: a new column stays internal
 * until it is added here and to @vigil/api-contract. JSON columns are answered as JSON, not as strings.
 */

/** A stored JSON column; text that is not JSON (a row edited by hand) reads as null rather than failing. */
function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** A stored label set; values that are not strings (hand-edited rows) are shown as their JSON. */
function labelsOf(text: string | null): Record<string, string> {
  const parsed = parseJson(text);
  const out = Object.create(null) as Record<string, string>;
  if (!isRecord(parsed)) return out;
  for (const [k, v] of Object.entries(parsed)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

function routesOf(text: string | null): Route[] {
  const parsed = parseJson(text);
  if (!Array.isArray(parsed)) return [];
  return (parsed as MatchedRoute[]).map((r) => ({
    key: r.key,
    path: r.path,
    team: r.team,
    channels: r.channels,
    escalation: r.escalation ?? null,
  }));
}

export function presentIncident(row: Selectable<IncidentTable>): Incident {
  const routes = routesOf(row.route);
  return {
    id: row.id,
    status: row.status,
    severity: row.severity,
    title: row.title,
    service: row.service,
    team: row.team,
    component: row.component,
    receiver: row.receiver,
    group_key: row.group_key,
    group_labels: labelsOf(row.group_labels),
    common_labels: labelsOf(row.common_labels),
    external_url: row.external_url,
    opened_at: row.opened_at,
    updated_at: row.updated_at,
    acknowledged_at: row.acknowledged_at,
    acknowledged_by: row.acknowledged_by,
    resolved_at: row.resolved_at,
    resolved_by: row.resolved_by,
    assignee: row.assignee,
    route: routes[0] ?? null,
    routes,
    flapping_since: row.flapping_since,
    likely_cause: row.likely_cause,
  };
}

export function presentAlert(row: Selectable<AlertTable>): Alert {
  const extra = presentExtra(parseJson(row.extra) ?? row.extra);
  return {
    id: row.id,
    incident_id: row.incident_id,
    fingerprint: row.fingerprint,
    status: row.status,
    severity: row.severity,
    starts_at: row.starts_at,
    ends_at: row.ends_at,
    last_seen_at: row.last_seen_at,
    labels: labelsOf(row.labels),
    annotations: labelsOf(row.annotations),
    generator_url: row.generator_url,
    // Stored extras that are not an object (written before the limits, or damaged) are shown, not dropped.
    extra: isRecord(extra) ? extra : { value: extra },
  };
}

export function presentTimelineEntry(row: Selectable<TimelineTable>): TimelineEntry {
  return {
    id: row.id,
    incident_id: row.incident_id,
    at: row.at,
    kind: row.kind,
    actor: row.actor,
    message: row.message,
    data: parseJson(row.data),
  };
}

export function presentIncidentDetail(found: {
  incident: Selectable<IncidentTable>;
  alerts: Selectable<AlertTable>[];
  timeline: Selectable<TimelineTable>[];
  tickets: Ticket[];
}): IncidentDetail {
  return {
    ...presentIncident(found.incident),
    alerts: found.alerts.map(presentAlert),
    timeline: found.timeline.map(presentTimelineEntry),
    tickets: found.tickets.map((t) => ({ channel: t.channel, key: t.key, url: t.url })),
    correlations: found.timeline.flatMap(presentCorrelation),
  };
}

export function presentPostmortem(found: {
  row: Selectable<PostmortemTable>;
  items: Selectable<PostmortemActionItemTable>[];
  entries: Selectable<TimelineTable>[];
}): Postmortem {
  const { row } = found;
  return {
    incident_id: row.incident_id,
    summary: row.summary,
    impact: row.impact,
    root_cause: row.root_cause,
    timeline: found.entries.map(presentTimelineEntry),
    action_items: found.items.map((i) => ({
      title: i.title,
      owner: i.owner,
      status: i.status,
      due_date: i.due_date,
    })),
    created_at: row.created_at,
    created_by: row.created_by,
    updated_at: row.updated_at,
    updated_by: row.updated_by,
  };
}

/** A `correlated` timeline entry as the contract's Correlation; other entries (or damaged data) give none. */
function presentCorrelation(row: Selectable<TimelineTable>): Correlation[] {
  if (row.kind !== 'correlated') return [];
  const data = parseJson(row.data);
  if (!isRecord(data) || !isRecord(data.rule)) return [];
  const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  return [
    {
      at: row.at,
      rule: { route: String(data.rule.route), by: strings(data.rule.by), window: String(data.rule.window) },
      labels: labelsOf(JSON.stringify(data.labels ?? null)),
      alertnames: strings(data.alertnames),
      group_key: String(data.group_key),
    },
  ];
}
