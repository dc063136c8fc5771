import { HttpClient, type HttpResponse } from '@vigil/service-kit';
import { alertSummary, headline, incidentFacts, shownAlerts, truncate } from '../format';
import { outcomeOf, send } from '../http';
import type { DeliveryOutcome, IncidentMessage, NotificationChannel } from '../message';
import type { PagerDutySettings } from './config';

/** Events API v2 limits: summary 1024 characters, dedup_key 255, the whole event 512 KB. */
const SUMMARY_CHARS = 1024;
const EVENT_BYTES = 512_000;

/** One PagerDuty alert per Vigil incident: acknowledge and resolve find it by this key. */
export const dedupKey = (incidentId: number) => `vigil-incident-${incidentId}`;

/**
 * A storm digest is one PagerDuty alert of its own (the incidents it bundles were held, so PagerDuty has none
 * of theirs): one page for the storm, as the digest is one message elsewhere.
 */
const keyOf = (message: IncidentMessage) =>
  message.event === 'digest' ? `vigil-digest-${message.notificationId}` : dedupKey(message.incidentId);

type Action = 'trigger' | 'acknowledge' | 'resolve';

const ACTIONS: Record<IncidentMessage['status'], Action> = {
  triggered: 'trigger',
  acknowledged: 'acknowledge',
  resolved: 'resolve',
};

/**
 * The Events API v2 event for the incident as it is now (a late acknowledgement of a resolved one resolves;
 * an escalation step of a triggered one triggers again, which PagerDuty adds to the same alert).
 */
export function pagerDutyEvent(message: IncidentMessage, settings: PagerDutySettings) {
  const action = ACTIONS[message.status];
  const base = {
    routing_key: settings.routingKey,
    event_action: action,
    dedup_key: keyOf(message),
  };
  if (action !== 'trigger') return base;
  const { shown, hidden } = shownAlerts(message);
  const links = [
    ...(message.incidentUrl ? [{ href: message.incidentUrl, text: 'Vigil incident' }] : []),
    ...(message.ackUrl ? [{ href: message.ackUrl, text: 'Acknowledge in Vigil' }] : []),
  ];
  return {
    ...base,
    client: 'Vigil',
    ...(message.incidentUrl && { client_url: message.incidentUrl }),
    payload: {
      summary: truncate(headline(message), SUMMARY_CHARS),
      source: settings.source ?? message.service ?? 'vigil',
      severity: settings.severities[message.severity.toLowerCase()] ?? settings.defaultSeverity,
      ...(shown[0] && { timestamp: shown[0].startsAt }),
      ...(message.service && { component: message.service }),
      ...(message.team && { group: message.team }),
      ...(shown[0]?.labels.alertname && { class: shown[0].labels.alertname }),
      custom_details: {
        ...Object.fromEntries(incidentFacts(message)),
        incident_id: message.incidentId,
        alerts: shown.map((a) => ({
          summary: alertSummary(a),
          labels: a.labels,
          annotations: a.annotations,
        })),
        ...(hidden > 0 && { more_alerts: hidden }),
      },
    },
    ...(links.length > 0 && { links }),
  };
}

/**
 * The event's JSON; one over PagerDuty's size limit (alerts with long annotations) goes without its
 * custom_details, as Alertmanager sends it, rather than be refused and page nobody.
 */
export function pagerDutyBody(message: IncidentMessage, settings: PagerDutySettings): string {
  const event = pagerDutyEvent(message, settings);
  const body = JSON.stringify(event);
  if (Buffer.byteLength(body) <= EVENT_BYTES || !('payload' in event)) return body;
  const error = `custom_details removed: the event exceeded PagerDuty's ${EVENT_BYTES / 1000} KB; see the incident in Vigil`;
  return JSON.stringify({ ...event, payload: { ...event.payload, custom_details: { error } } });
}

/** 202 is accepted; a 400 names what PagerDuty found invalid (its `errors`), which no retry will mend. */
function readReply(response: HttpResponse): DeliveryOutcome {
  const outcome = outcomeOf(response);
  if (response.status !== 400) return outcome;
  try {
    const body = JSON.parse(response.text) as { message?: string; errors?: string[] };
    return {
      ...outcome,
      error: `HTTP 400: ${body.message ?? 'invalid event'}: ${(body.errors ?? []).join('; ')}`,
    };
  } catch {
    return outcome;
  }
}

/** PagerDuty Events API v2: trigger on open, acknowledge and resolve mirrored, one dedup_key per incident. */
export function createPagerDutyChannel(name: string, settings: PagerDutySettings): NotificationChannel {
  const client = new HttpClient(settings.http);
  return {
    name,
    kind: 'pagerduty',
    target: new URL(settings.url).host,
    events: ['triggered', 'acknowledged', 'resolved', 'escalation', 'digest'],
    send: async (message) =>
      // A digest of incidents that have all resolved by now pages nobody.
      message.event === 'digest' && message.status === 'resolved'
        ? { ok: true }
        : send(
            client,
            settings.url,
            {
              method: 'POST',
              body: pagerDutyBody(message, settings),
              headers: { 'content-type': 'application/json' },
            },
            readReply,
          ),
  };
}
