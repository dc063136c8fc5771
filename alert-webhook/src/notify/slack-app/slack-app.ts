import { HttpClient, type HttpResponse } from '@vigil/service-kit';
import type { Db } from '../../db/database';
import { headline } from '../format';
import { outcomeOf, send } from '../http';
import type { DeliveryOutcome, IncidentMessage, NotificationChannel } from '../message';
import { parseRetryAfter } from '../retrier';
import { slackPayload } from '../slack/slack';
import type { SlackAppSettings } from './config';

export const ACK_ACTION = 'vigil_acknowledge';
export const RESOLVE_ACTION = 'vigil_resolve';

/** Web API errors that a retry may get past; any other `ok: false` refuses the request itself. */
const TRANSIENT_ERRORS = new Set([
  'ratelimited',
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
]);

/** Slack answers 200 with `{ok: false, error}` for most failures, 429 with Retry-After when rate limited. */
function readSlack(response: HttpResponse): DeliveryOutcome & { body?: { ts?: string } } {
  const outcome = outcomeOf(response);
  let body: { ok?: boolean; error?: string; ts?: string };
  try {
    body = JSON.parse(response.text) as typeof body;
  } catch {
    return outcome.ok
      ? { ok: false, status: response.status, error: 'Slack answered without JSON' }
      : outcome;
  }
  if (body.ok === true) return { ...outcome, body };
  const error = body.error ?? 'unknown_error';
  const retryAfterMs = parseRetryAfter(response.header('retry-after'));
  return {
    ok: false,
    status: response.status,
    code: error,
    error: `Slack: ${error}`,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    permanent: !TRANSIENT_ERRORS.has(error),
  };
}

function buttons(message: IncidentMessage) {
  const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });
  const value = String(message.incidentId);
  return [
    ...(message.incidentUrl
      ? [{ type: 'button' as const, text: plain('View incident'), url: message.incidentUrl }]
      : []),
    ...(message.status === 'triggered'
      ? [
          {
            type: 'button' as const,
            text: plain('Acknowledge'),
            action_id: ACK_ACTION,
            value,
            style: 'primary',
          },
        ]
      : []),
    ...(message.status !== 'resolved'
      ? [{ type: 'button' as const, text: plain('Resolve'), action_id: RESOLVE_ACTION, value }]
      : []),
  ];
}

/** The thread reply that records what happened, in the incident's words. */
function replyText(message: IncidentMessage): string {
  switch (message.event) {
    case 'acknowledged':
      return `Acknowledged${message.actor ? ` by ${message.actor}` : ''}.`;
    case 'resolved':
      return `Resolved${message.actor ? ` by ${message.actor}` : ''}.`;
    case 'escalation':
      return 'Escalated: the next step of the escalation policy was paged.';
    default:
      return headline(message);
  }
}

/**
 * A Slack app (bot token): one message per incident, posted when it opens (chat.postMessage) and edited in
 * place (chat.update) as it is acknowledged, resolved or escalated, each change also a reply in the
 * message's thread. The message's ts is kept in the database, so every replica edits the same message.
 */
export function createSlackAppChannel(name: string, settings: SlackAppSettings, db: Db): NotificationChannel {
  const client = new HttpClient(settings.http);
  const call = (method: string, body: Record<string, unknown>) =>
    send(
      client,
      `${settings.apiUrl}/${method}`,
      {
        method: 'POST',
        body: JSON.stringify(body),
        headers: {
          'content-type': 'application/json; charset=utf-8',
          authorization: `Bearer ${settings.botToken}`,
        },
      },
      readSlack,
    ) as Promise<DeliveryOutcome & { body?: { ts?: string } }>;
  const stored = (incidentId: number) =>
    db
      .selectFrom('slack_messages')
      .select('ts')
      .where('channel', '=', name)
      .where('incident_id', '=', incidentId)
      .executeTakeFirst();
  return {
    name,
    kind: 'slack_app',
    target: settings.channel,
    events: ['triggered', 'acknowledged', 'resolved', 'escalation'],
    async send(message) {
      const content = { channel: settings.channel, ...slackPayload(message, buttons(message)) };
      const existing = await stored(message.incidentId);
      if (!existing) {
        const posted = await call('chat.postMessage', content);
        if (!posted.ok) return posted;
        const ts = posted.body?.ts;
        if (ts)
          await db
            .insertInto('slack_messages')
            .values({ channel: name, incident_id: message.incidentId, slack_channel: settings.channel, ts })
            .onConflict((oc) => oc.columns(['channel', 'incident_id']).doNothing())
            .execute();
        return { ok: true, status: posted.status };
      }
      const updated = await call('chat.update', { ...content, ts: existing.ts });
      if (!updated.ok) return updated;
      const reply = await call('chat.postMessage', {
        channel: settings.channel,
        thread_ts: existing.ts,
        text: replyText(message),
      });
      return reply.ok ? { ok: true, status: reply.status } : reply;
    },
  };
}
