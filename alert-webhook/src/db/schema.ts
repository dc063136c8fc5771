import type { Generated } from 'kysely';

/** Timestamps are ISO-8601 UTC strings: they sort and compare correctly as text on every backend. */
export interface InboxTable {
  id: Generated<number>;
  received_at: string;
  receiver: string;
  group_key: string;
  alert_count: number;
  payload: string;
  processed_at: string | null;
  error: string | null;
}

export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';

export interface IncidentTable {
  id: Generated<number>;
  receiver: string;
  group_key: string;
  status: IncidentStatus;
  severity: string;
  service: string | null;
  team: string | null;
  component: string | null;
  title: string;
  group_labels: string;
  common_labels: string;
  external_url: string | null;
  opened_at: string;
  updated_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  /** The first acknowledgement, kept when an ack_timeout or a reopening clears acknowledged_at (reports). */
  first_acknowledged_at: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
  assignee: string | null;
  route: string | null;
  flapping_since: string | null;
  /** The correlation rule's key when the incident opened under one (incidents/correlation.ts). */
  correlation_key: string | null;
  /** The root cause its alerts name (a root_cause label or annotation). */
  likely_cause: string | null;
}

export interface AlertTable {
  id: Generated<number>;
  incident_id: number;
  fingerprint: string;
  starts_at: string;
  ends_at: string | null;
  status: 'firing' | 'resolved';
  severity: string;
  labels: string;
  annotations: string;
  generator_url: string | null;
  extra: string;
  last_seen_at: string;
}

export interface TimelineTable {
  id: Generated<number>;
  incident_id: number;
  at: string;
  kind: string;
  actor: string;
  message: string;
  data: string | null;
}

export interface AuditTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  incident_id: number | null;
  details: string;
}

/**
 * A digest bundles the held notifications of an alert storm into one message per channel; acknowledged
 * goes only to integrations that mirror an incident's state (PagerDuty, Slack app, Jira).
 */
/** `timeline`: a note, an assignment or an escalation step, for integrations that keep a thread per incident. */
export type NotificationEvent =
  'triggered' | 'acknowledged' | 'resolved' | 'escalation' | 'digest' | 'timeline';

export type HoldReason = 'flapping' | 'storm' | 'maintenance';

export interface NotificationTable {
  id: Generated<number>;
  incident_id: number;
  event: NotificationEvent;
  channel: string;
  recipient: string | null;
  dedupe_key: string | null;
  status: 'pending' | 'sent' | 'failed' | 'held';
  attempts: number;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  hold_reason: HoldReason | null;
  hold_ref: string | null;
  digest_id: number | null;
  /** The timeline entry a `timeline` notification tells of. */
  timeline_id: number | null;
}

export interface DeliveryAttemptTable {
  id: Generated<number>;
  notification_id: number;
  incident_id: number;
  channel: string;
  kind: string;
  target: string;
  attempt: number;
  at: string;
  duration_ms: number;
  ok: number;
  status_code: number | null;
  error: string | null;
}

export interface EscalationTable {
  incident_id: number;
  policy: string;
  cycle: number;
  step: number;
  next_at: string;
  phase: 'active' | 'ack_wait' | 'done' | 'stopped';
  updated_at: string;
}

export interface HeartbeatSourceTable {
  heartbeat: string;
  /** The source's label values as JSON (sorted keys): one row per heartbeat and source. */
  source: string;
  labels: string;
  last_received_at: string;
  /** Set while the heartbeat is missing (its incident open): when it was due. */
  missing_since: string | null;
}

export interface ReportRunTable {
  id: Generated<number>;
  schedule: string;
  channel: string;
  period_start: string;
  period_end: string;
  status: 'sending' | 'sent' | 'failed';
  attempts: number;
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface IncidentChangeTable {
  id: Generated<number>;
  incident_id: number;
  team: string;
  change: 'opened' | 'reopened' | 'acknowledged' | 'resolved';
  at: string;
}

export interface StormTable {
  id: Generated<number>;
  team: string;
  started_at: string;
  next_digest_at: string;
  ended_at: string | null;
}

export interface MaintenanceWindowTable {
  id: Generated<number>;
  name: string | null;
  source: 'config' | 'api';
  /** JSON array of matcher strings in canonical form. */
  matchers: string;
  starts_at: string;
  ends_at: string;
  comment: string;
  created_by: string;
  created_at: string;
  deleted_at: string | null;
  closed_at: string | null;
  silence_id: string | null;
  silence_error: string | null;
}

/** The leader lease (leader/lease.ts): one row per lease name; expires_at in epoch milliseconds. */
export interface LeaderLeaseTable {
  name: string;
  holder: string;
  expires_at: number;
}

/** The Slack app's one message per incident and channel, edited in place as the incident changes. */
export interface SlackMessageTable {
  channel: string;
  incident_id: number;
  slack_channel: string;
  /** Null while the post is claimed and not yet answered (or its answer was never saved). */
  ts: string | null;
  /** When the post was claimed (ISO-8601). */
  claimed_at: string;
  /** The notification whose delivery claimed it. */
  claimed_by: number | null;
}

/** A ticket tracker's issue per incident and channel; key null while its creation is claimed. */
export interface TicketTable {
  channel: string;
  incident_id: number;
  key: string | null;
  url: string | null;
  created_at: string;
  /** The notification whose attempt claimed the row (null: claimed before this was recorded). */
  claimed_by: number | null;
}

/** An incident's postmortem (api/postmortems.ts): at most one per incident. */
export interface PostmortemTable {
  incident_id: number;
  summary: string;
  impact: string;
  root_cause: string;
  /** JSON array of the ids of the timeline entries selected for the excerpt. */
  timeline_entry_ids: string;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

/** A postmortem's action items, in the order written (position). */
export interface PostmortemActionItemTable {
  incident_id: number;
  position: number;
  title: string;
  owner: string | null;
  status: 'open' | 'done';
  due_date: string | null;
}

export interface DatabaseSchema {
  inbox: InboxTable;
  incidents: IncidentTable;
  alerts: AlertTable;
  timeline: TimelineTable;
  audit_log: AuditTable;
  notifications: NotificationTable;
  delivery_attempts: DeliveryAttemptTable;
  escalations: EscalationTable;
  report_runs: ReportRunTable;
  incident_changes: IncidentChangeTable;
  storms: StormTable;
  maintenance_windows: MaintenanceWindowTable;
  leader_lease: LeaderLeaseTable;
  heartbeat_sources: HeartbeatSourceTable;
  slack_messages: SlackMessageTable;
  tickets: TicketTable;
  postmortems: PostmortemTable;
  postmortem_action_items: PostmortemActionItemTable;
}
