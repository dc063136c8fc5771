/** Shapes of alert-webhook's REST API (alert-webhook/src/api/*), as the plugin proxy passes them through. */

/** Plugin settings: the field names are shared with provisioning/grafana (the app's provisioned settings). */
// Type aliases, not interfaces: @grafana/data wants them assignable to its KeyValue record.
export type AppJsonData = {
  /** alert-webhook's base URL as Grafana's server reaches it, e.g. http://127.0.0.1:9096 */
  url?: string;
};
export type AppSecureJsonData = {
  apiToken?: string;
};

export type Role = 'viewer' | 'responder' | 'admin';
export interface Caller {
  name: string;
  role: Role;
}

export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';

export interface Incident {
  id: number;
  status: IncidentStatus;
  severity: string;
  service: string | null;
  team: string | null;
  component: string | null;
  title: string;
  receiver: string;
  group_labels: Record<string, string>;
  common_labels: Record<string, string>;
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

export interface IncidentPage {
  items: Incident[];
  next_cursor: string | null;
}

export interface Alert {
  id: number;
  fingerprint: string;
  status: 'firing' | 'resolved';
  severity: string;
  starts_at: string;
  ends_at: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generator_url: string | null;
  last_seen_at: string;
}

export interface TimelineEntry {
  id: number;
  at: string;
  kind: string;
  actor: string;
  message: string;
}

export interface IncidentDetail extends Incident {
  alerts: Alert[];
  timeline: TimelineEntry[];
}

export interface Delivery {
  attempt: number;
  at: string;
  kind: string;
  target: string;
  ok: boolean;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

export interface Notification {
  id: number;
  event: 'triggered' | 'resolved' | 'escalation';
  channel: string;
  recipient: string | null;
  status: 'pending' | 'sent' | 'failed' | 'held';
  attempts: number;
  last_error: string | null;
  created_at: string;
  deliveries: Delivery[];
}

export interface Shift {
  user: string;
  rotation: string | null;
  override: boolean;
  shift_start: string;
  shift_end: string;
}

export interface OnCallResponse {
  at: string;
  schedules: Array<{ name: string; on_call: Shift | null; next: Shift[] }>;
}

export interface SlaReport {
  from: string;
  to: string;
  incidents: { total: number; by_severity: Record<string, number>; by_service: Record<string, number> };
  mtta_seconds: number | null;
  mttr_seconds: number | null;
  sla: Array<{
    severity: string;
    ack_within_seconds: number;
    incidents: number;
    met: number;
    attainment: number | null;
  }>;
  noisiest_alerts: Array<{ alertname: string; service: string; incidents: number; occurrences: number }>;
  by_day: Array<{ date: string; opened: number; mtta_seconds: number | null; mttr_seconds: number | null }>;
}
