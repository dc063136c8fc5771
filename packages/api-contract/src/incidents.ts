import { z } from 'zod';
import { commaList, cursor, id, labels, limit, page, prose, text } from './common';
import { components, named } from './registry';
import { rfc3339, timestamp } from './time';

export const INCIDENT_STATUSES = ['triggered', 'acknowledged', 'resolved'] as const;
export const incidentStatus = z.enum(INCIDENT_STATUSES);
export type IncidentStatus = z.output<typeof incidentStatus>;

export type Transition = 'acknowledge' | 'resolve' | 'reopen';

/** The state machine triggered → acknowledged → resolved, and reopen: which statuses each action leaves from. */
export const TRANSITIONS: Record<Transition, { from: readonly IncidentStatus[]; to: IncidentStatus }> = {
  acknowledge: { from: ['triggered'], to: 'acknowledged' },
  resolve: { from: ['triggered', 'acknowledged'], to: 'resolved' },
  reopen: { from: ['resolved'], to: 'triggered' },
};

/**
 * One step of the state machine. Asking for the state an incident is already in is a no-op ('unchanged'), so
 * that a twice-clicked link or a client retry is harmless.
 */
export function applyTransition(
  current: IncidentStatus,
  transition: Transition,
): { outcome: 'changed'; status: IncidentStatus } | { outcome: 'unchanged' } | { outcome: 'invalid' } {
  const rule = TRANSITIONS[transition];
  if (current === rule.to) return { outcome: 'unchanged' };
  if (rule.from.includes(current)) return { outcome: 'changed', status: rule.to };
  return { outcome: 'invalid' };
}

/** What a person does to an incident, and the timeline entry's kind it leaves. */
export const ACTION_KINDS = {
  acknowledge: 'acknowledged',
  resolve: 'resolved',
  reopen: 'reopened',
  note: 'note',
  assign: 'assigned',
} as const;

export const route = named(
  'Route',
  "A route the incident's alerts went to, as it was when the incident opened (later configuration changes do not rewrite it)",
  z.strictObject({
    key: z
      .string()
      .register(components, { description: 'Alertmanager-style route key, e.g. {}/{severity="critical"}' }),
    path: z
      .array(z.number().int().min(0))
      .register(components, { description: 'child indexes from the default route' }),
    team: z.string(),
    channels: z.array(z.string()),
    escalation: z.string().nullable(),
  }),
);
export type Route = z.output<typeof route>;

export const incident = named(
  'Incident',
  'An incident: one Alertmanager alert group (or several alerts joined by correlation)',
  z.strictObject({
    id,
    status: incidentStatus,
    severity: z.string(),
    title: z.string(),
    service: z.string().nullable(),
    team: z.string().nullable(),
    component: z.string().nullable(),
    receiver: z.string(),
    group_key: z.string(),
    group_labels: labels,
    common_labels: labels.clone().register(components, {
      description:
        "the group's commonLabels in the delivery that opened the incident (later deliveries do not change them)",
    }),
    external_url: z.string().nullable(),
    opened_at: timestamp,
    updated_at: timestamp,
    acknowledged_at: timestamp.nullable(),
    acknowledged_by: z.string().nullable(),
    resolved_at: timestamp.nullable(),
    resolved_by: z.string().nullable(),
    assignee: z.string().nullable(),
    route: route.nullable().register(components, {
      description:
        'the route of its lead alert (the most urgent firing one when it opened): it decides the team and escalation',
    }),
    routes: z.array(route).register(components, {
      description: 'every route its lead alert went to (more than one with continue)',
    }),
    flapping_since: timestamp.nullable(),
    likely_cause: z.string().nullable().register(components, {
      description:
        'the root cause its alerts name (a root_cause label or annotation, from the health-check exporter), or null',
    }),
  }),
);
export type Incident = z.output<typeof incident>;

export const alert = named(
  'Alert',
  'One occurrence of an alert (fingerprint and start) within an incident',
  z.strictObject({
    id,
    incident_id: id,
    fingerprint: z.string(),
    status: z.enum(['firing', 'resolved']),
    severity: z.string(),
    starts_at: timestamp,
    ends_at: timestamp.nullable(),
    last_seen_at: timestamp,
    labels,
    annotations: labels,
    generator_url: z.string().nullable(),
    extra: z.record(z.string(), z.unknown()).register(components, {
      description: 'fields the sender added beyond webhook v4 (Grafana values, dashboardURL…), bounded',
    }),
  }),
);
export type Alert = z.output<typeof alert>;

export const timelineEntry = named(
  'TimelineEntry',
  'What happened to an incident, oldest first',
  z.strictObject({
    id,
    incident_id: id,
    at: timestamp,
    kind: z.string().register(components, {
      description: 'opened, acknowledged, resolved, reopened, note, assigned, correlated, …',
    }),
    actor: z.string(),
    message: z.string(),
    data: z.unknown().register(components, {
      description: 'structured details of the entry (the action, a correlation reason), or null',
    }),
  }),
);
export type TimelineEntry = z.output<typeof timelineEntry>;

export const ticket = named(
  'Ticket',
  'A ticket made for the incident by a ticketing channel (Jira)',
  z.strictObject({ channel: z.string(), key: z.string(), url: z.string() }),
);
export type Ticket = z.output<typeof ticket>;

export const correlation = named(
  'Correlation',
  'Alerts of another group that joined the incident under a correlation rule, and why',
  z.strictObject({
    at: timestamp,
    rule: z.strictObject({
      route: z.string().register(components, { description: 'the key of the route whose rule it is' }),
      by: z.array(z.string()).register(components, { description: 'the labels whose values must be equal' }),
      window: z
        .string()
        .register(components, { description: 'how long after the incident opened, e.g. 30m' }),
    }),
    // The `by` labels and the values they matched.
    labels,
    alertnames: z.array(z.string()),
    group_key: z.string().register(components, { description: "the joining group's Alertmanager group key" }),
  }),
);
export type Correlation = z.output<typeof correlation>;

export const incidentDetail = named(
  'IncidentDetail',
  'An incident with its alerts, timeline, tickets and correlations',
  incident.extend({
    alerts: z.array(alert),
    timeline: z.array(timelineEntry),
    tickets: z.array(ticket),
    correlations: z.array(correlation).register(components, {
      description:
        "the groups that joined it by correlation, oldest first (from its timeline's correlated entries)",
    }),
  }),
);
export type IncidentDetail = z.output<typeof incidentDetail>;

export const incidentPage = named('IncidentPage', 'A page of incidents, newest first', page(incident));
export type IncidentPage = z.output<typeof incidentPage>;

/** The filters of the incident list (and of its CSV export). */
export const incidentFilters = z.strictObject({
  status: commaList(incidentStatus)
    .optional()
    .register(components, { description: 'comma-separated statuses' }),
  severity: commaList(text).optional().register(components, { description: 'comma-separated severities' }),
  service: text.optional(),
  team: text.optional(),
  since: rfc3339.optional().register(components, { description: 'opened at or after (RFC 3339)' }),
  until: rfc3339.optional().register(components, { description: 'opened before (RFC 3339)' }),
});
export const incidentListQuery = incidentFilters.extend({ limit: limit(500), cursor: cursor.optional() });
export type IncidentListQuery = z.output<typeof incidentListQuery>;

/** The CSV export holds at most this many incidents (newest first). */
export const CSV_MAX_ROWS = 10_000;

export const transitionBody = z.strictObject({ note: prose(10_000).optional() });
export const noteBody = z.strictObject({ text: prose(10_000).min(1) });
export const assignBody = z.strictObject({ assignee: prose(200).min(1).nullable() });
