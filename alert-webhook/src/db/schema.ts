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
  resolved_at: string | null;
  resolved_by: string | null;
  assignee: string | null;
  route: string | null;
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

export type NotificationEvent = 'triggered' | 'resolved' | 'escalation';

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

export interface DatabaseSchema {
  inbox: InboxTable;
  incidents: IncidentTable;
  alerts: AlertTable;
  timeline: TimelineTable;
  audit_log: AuditTable;
  notifications: NotificationTable;
  delivery_attempts: DeliveryAttemptTable;
  escalations: EscalationTable;
}
