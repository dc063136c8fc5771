import type { TeamsSettings } from './config';
import {
  alertFacts,
  alertSummary,
  headline,
  incidentFacts,
  offersAck,
  shownAlerts,
  type Fact,
} from '../format';
import { HttpClient, type HttpResponse } from '@vigil/service-kit';
import { outcomeOf, postJson } from '../http';
import type { AlertDetail, DeliveryOutcome, IncidentMessage, NotificationChannel } from '../message';

/** Teams refuses a message over 28 KB (HTTP 413): alerts are left out, the last first, until it fits. */
const MESSAGE_BYTES = 28_000;

/** Adaptive Card container styles: Teams' own palette, which follows the user's theme. */
const SEVERITY_STYLES: Record<string, string> = { critical: 'attention', warning: 'warning', info: 'accent' };

const factSet = (facts: Fact[]) => ({
  type: 'FactSet',
  facts: facts.map(([title, value]) => ({ title, value })),
});

function alertItems(alert: AlertDetail) {
  return [
    { type: 'TextBlock', text: alertSummary(alert), weight: 'Bolder', wrap: true, separator: true },
    factSet(alertFacts(alert)),
  ];
}

/** The card with the first `count` of the alerts shown (shownAlerts) and the rest counted. */
function adaptiveCard(message: IncidentMessage, count: number) {
  const shown = shownAlerts(message).shown.slice(0, count);
  const hidden = message.alerts.length - shown.length;
  const style = message.status === 'resolved' ? 'good' : (SEVERITY_STYLES[message.severity] ?? 'emphasis');
  const actions: { type: string; title: string; url: string }[] = [];
  if (message.incidentUrl)
    actions.push({ type: 'Action.OpenUrl', title: 'View incident', url: message.incidentUrl });
  if (offersAck(message)) actions.push({ type: 'Action.OpenUrl', title: 'Acknowledge', url: message.ackUrl });
  return {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    // 1.4 renders everywhere Teams does (desktop, web, mobile).
    version: '1.4',
    msteams: { width: 'Full' },
    body: [
      {
        type: 'Container',
        style,
        bleed: true,
        items: [{ type: 'TextBlock', text: headline(message), weight: 'Bolder', size: 'Medium', wrap: true }],
      },
      factSet(incidentFacts(message)),
      ...shown.flatMap(alertItems),
      ...(hidden > 0
        ? [{ type: 'TextBlock', text: `… and ${hidden} more alerts`, isSubtle: true, wrap: true }]
        : []),
    ],
    actions,
  };
}

/**
 * A reply as an outcome. An Office 365 connector URL (outlook.office.com/webhook/…, retired by Microsoft
 * but still answering) says a failure in a 200's text: "Webhook message delivery failed with error:
 * Microsoft Teams endpoint returned HTTP error 429 …". That is the failure it names, not a delivery.
 */
function readTeams(response: HttpResponse): DeliveryOutcome {
  const failed = /^Webhook message delivery failed with error:/.exec(response.text);
  if (!(response.status >= 200 && response.status < 300 && failed)) return outcomeOf(response);
  const status = Number(/HTTP error (\d{3})/.exec(response.text)?.[1] ?? 500);
  return outcomeOf({ ...response, status, statusText: '' });
}

/** Posts an Adaptive Card to a Teams workflow ("When a Teams webhook request is received") URL. */
export function createTeamsChannel(name: string, settings: TeamsSettings): NotificationChannel {
  const { webhookUrl } = settings;
  const client = new HttpClient(settings.http);
  return {
    name,
    kind: 'teams',
    // The URL is signed (sig= in its query): its host is as much as a record may show.
    target: new URL(webhookUrl).host,
    async send(message) {
      const body = (count: number) =>
        JSON.stringify({
          type: 'message',
          attachments: [
            {
              contentType: 'application/vnd.microsoft.card.adaptive',
              contentUrl: null,
              content: adaptiveCard(message, count),
            },
          ],
        });
      let count = shownAlerts(message).shown.length;
      let json = body(count);
      while (count > 0 && Buffer.byteLength(json) > MESSAGE_BYTES) json = body(--count);
      return postJson(client, webhookUrl, json, {}, readTeams);
    },
  };
}
