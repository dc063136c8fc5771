import type { IncidentStatus, NotificationEvent } from '../db/schema';

export interface AlertDetail {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** ISO-8601, as Alertmanager sends it. */
  startsAt: string;
  /** From the alert's anomaly score annotation, when the anomaly exporter's rules set one. */
  anomalyScore?: number;
}

/** Everything a channel needs to tell people about an incident; built by the caller from the incident record. */
export interface IncidentMessage {
  incidentId: number;
  status: IncidentStatus;
  severity: string;
  service: string | null;
  team: string | null;
  title: string;
  alerts: AlertDetail[];
  /**
   * The incident's page: in the Grafana incidents app, else the receiver's signed read-only page, else the
   * REST API (see dispatch/message.ts); '' when there is none to give, and channels then show no link.
   */
  incidentUrl: string;
  /** One-click acknowledge link (see links.ts); channels show it only while the incident is triggered. */
  ackUrl: string;
  /**
   * The queued notification this message delivers: the same on every retry and on a resend by another
   * replica after fail-over (delivery is at least once), so receivers can drop repeats.
   */
  notificationId?: number;
  /** Tickets made for the incident (Jira), shown with it. */
  tickets?: { channel: string; key: string; url: string }[];
  /** Who acknowledged or resolved the incident, while it is so. */
  actor?: string;
  /** What the notification is about (its outbox event), when it is one. */
  event?: NotificationEvent;
  /** For a `timeline` event: the entry it tells of (a note, an assignment, an escalation step). */
  timeline?: { kind: string; actor: string; message: string };
}

export interface DeliveryOutcome {
  ok: boolean;
  /** HTTP status, or the SMTP reply code. */
  status?: number;
  /** Error code when there was no reply, such as ECONNREFUSED or ETIMEDOUT. */
  code?: string;
  error?: string;
  /** The receiver asked us to wait this long before the next message (HTTP Retry-After). */
  retryAfterMs?: number;
  /** The receiver refused the message itself: sending it again would be refused again. */
  permanent?: boolean;
}

export interface NotificationChannel {
  /** The configured channel name, as routes refer to it. */
  readonly name: string;
  /** The integration (email, slack, …): the `integration` label of its metrics. */
  readonly kind: string;
  /** Where messages go, safe to store and show: no secret URLs or credentials. */
  readonly target: string;
  /** The events it is told of; without, all but acknowledged (which only state-mirroring integrations take). */
  readonly events?: readonly NotificationEvent[];
  /** Resolves with the outcome of one attempt; never rejects. */
  send(message: IncidentMessage): Promise<DeliveryOutcome>;
}
