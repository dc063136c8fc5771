import type { SlackSettings } from './config';
import {
  alertFacts,
  alertSummary,
  colourOf,
  headline,
  incidentFacts,
  offersAck,
  shownAlerts,
  truncate,
} from '../format';
import { HttpClient } from '@vigil/service-kit';
import { postJson } from '../http';
import type { AlertDetail, IncidentMessage, NotificationChannel } from '../message';
import type { Pacer } from '../pacer';

/** Slack accepts about one message per second per incoming webhook and answers 429 beyond that. */
export const SLACK_INTERVAL_MS = 1000;

// Block Kit limits (api.slack.com/reference/block-kit/blocks).
const HEADER_CHARS = 150;
const SECTION_CHARS = 3000;
const FIELD_CHARS = 2000;
/** The notification text: Slack allows far more, but this is what shows in a push notification. */
const FALLBACK_CHARS = 500;

/** mrkdwn treats these three as control characters; everything else passes through as written. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const mrkdwn = (text: string) => ({ type: 'mrkdwn', text });
const plain = (text: string) => ({ type: 'plain_text', text, emoji: true });

function alertBlock(alert: AlertDetail) {
  const lines = [
    `*${escapeMrkdwn(alertSummary(alert))}*`,
    ...alertFacts(alert).map(([name, value]) => `${escapeMrkdwn(name)}: ${escapeMrkdwn(value)}`),
  ];
  return { type: 'section', text: mrkdwn(truncate(lines.join('\n'), SECTION_CHARS)) };
}

type Button = {
  type: 'button';
  text: ReturnType<typeof plain>;
  url?: string;
  action_id?: string;
  value?: string;
  style?: string;
};

/** Link buttons, as an incoming webhook's message has them: the incident, and the signed acknowledge page. */
function linkButtons(message: IncidentMessage): Button[] {
  const buttons: Button[] = [];
  if (message.incidentUrl)
    buttons.push({ type: 'button', text: plain('View incident'), url: message.incidentUrl });
  if (offersAck(message)) buttons.push({ type: 'button', text: plain('Acknowledge'), url: message.ackUrl });
  return buttons;
}

/**
 * An incoming webhook cannot edit what it posted earlier, so a status change is a new message whose
 * wording and colour say what changed (the header names the new status, resolved turns green). The Slack
 * app edits its one message per incident instead, with buttons of its own.
 */
export function slackPayload(message: IncidentMessage, buttons: Button[] = linkButtons(message)) {
  const { shown, hidden } = shownAlerts(message);
  return {
    // mrkdwn too: an alert named `<!channel>` must not notify the whole channel.
    text: truncate(escapeMrkdwn(headline(message)), FALLBACK_CHARS),
    blocks: [{ type: 'header', text: plain(truncate(headline(message), HEADER_CHARS)) }],
    // Only attachments carry a colour bar; the blocks inside them render like top-level ones.
    attachments: [
      {
        color: colourOf(message),
        blocks: [
          {
            type: 'section',
            fields: incidentFacts(message).map(([name, value]) =>
              mrkdwn(truncate(`*${name}*\n${escapeMrkdwn(value)}`, FIELD_CHARS)),
            ),
          },
          ...shown.map(alertBlock),
          ...(hidden > 0 ? [{ type: 'context', elements: [mrkdwn(`… and ${hidden} more alerts`)] }] : []),
          // Slack refuses an actions block without elements.
          ...(buttons.length > 0 ? [{ type: 'actions', elements: buttons }] : []),
        ],
      },
    ],
  };
}

export function createSlackChannel(name: string, settings: SlackSettings, pacer: Pacer): NotificationChannel {
  const { webhookUrl } = settings;
  const client = new HttpClient(settings.http);
  return {
    name,
    kind: 'slack',
    // The URL is the credential; its host is as much as a record may show.
    target: new URL(webhookUrl).host,
    send(message) {
      return pacer.run(webhookUrl, async () => {
        const outcome = await postJson(client, webhookUrl, JSON.stringify(slackPayload(message)));
        if (outcome.status === 429 && outcome.retryAfterMs !== undefined)
          pacer.pause(webhookUrl, outcome.retryAfterMs);
        return outcome;
      });
    },
  };
}
