import { HttpClient, type HttpResponse } from '@vigil/service-kit';
import type { Db } from '../../db/database';
import { headline } from '../format';
import { outcomeOf, send } from '../http';
import type { DeliveryOutcome, IncidentMessage, NotificationChannel } from '../message';
import { parseRetryAfter } from '../retrier';
import { escapeMrkdwn, slackPayload } from '../slack/slack';
import { incidentClaims } from '../claim';
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

type SlackBody = Record<string, unknown> & { ts?: string };

/** Slack answers 200 with `{ok: false, error}` for most failures, 429 with Retry-After when rate limited. */
function readSlack(response: HttpResponse): DeliveryOutcome & { body?: SlackBody } {
  const outcome = outcomeOf(response);
  let body: SlackBody & { ok?: boolean; error?: string };
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
    // Slack's own words decide on a 2xx; an HTTP 5xx or 429 is transient whatever the error says.
    permanent: response.status < 500 && response.status !== 429 && !TRANSIENT_ERRORS.has(error),
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
export function replyText(message: IncidentMessage): string {
  const by = message.actor ? ` by ${escapeMrkdwn(message.actor)}` : '';
  const entry = message.timeline;
  switch (message.event) {
    case 'acknowledged':
      return `Acknowledged${by}.`;
    case 'resolved':
      return `Resolved${by}.`;
    case 'escalation':
      return 'Escalated: the next step of the escalation policy was paged.';
    case 'timeline':
      if (!entry) return escapeMrkdwn(headline(message));
      return entry.kind === 'note'
        ? `*${escapeMrkdwn(entry.actor)}* noted: ${escapeMrkdwn(entry.message)}`
        : `*${escapeMrkdwn(entry.actor)}*: ${escapeMrkdwn(entry.message)}`;
    default:
      return escapeMrkdwn(headline(message));
  }
}

/** The message metadata that finds an incident's message again (conversations.history). */
export const METADATA_EVENT = 'vigil_incident';

/** How far before its claim a message is looked for: Slack's clock and ours may differ a little. */
const LOOKUP_MARGIN_S = 300;
/** Pages of channel history read when looking for a message whose ts was not saved. */
const LOOKUP_PAGES = 10;

/**
 * A Slack app (bot token): one message per incident, posted when it opens (chat.postMessage) and edited in
 * place (chat.update) as it is acknowledged, resolved or escalated; each of these, and each note,
 * assignment and escalation step, is also a reply in the message's thread. The message's ts is kept in
 * the database, so every replica edits the same message. The post is claimed first and carries the
 * incident in its metadata: should the receiver die between Slack's answer and saving the ts, the next
 * attempt finds the message in the channel's history (conversations.history) instead of posting another.
 */
export function createSlackAppChannel(name: string, settings: SlackAppSettings, db: Db): NotificationChannel {
  const client = new HttpClient(settings.http);
  const auth = { authorization: `Bearer ${settings.botToken}` };
  const call = (method: string, body: Record<string, unknown>) =>
    send(
      client,
      `${settings.apiUrl}/${method}`,
      {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json; charset=utf-8', ...auth },
      },
      readSlack,
    ) as Promise<DeliveryOutcome & { body?: SlackBody }>;
  // Read methods take form fields, not JSON.
  const read = (method: string, fields: Record<string, string>) =>
    send(
      client,
      `${settings.apiUrl}/${method}`,
      {
        method: 'POST',
        body: new URLSearchParams(fields).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...auth },
      },
      readSlack,
    ) as Promise<DeliveryOutcome & { body?: SlackBody }>;
  // The incident's message (table slack_messages): claimed before it is posted, its ts saved once posted.
  const posts = incidentClaims(db, name, {
    table: 'slack_messages',
    ref: 'ts',
    claimedAt: 'claimed_at',
    columns: { slack_channel: settings.channel },
    requests: LOOKUP_PAGES + 1,
    timeoutMs: settings.http.timeoutMs,
  });

  /** The incident's message posted by an attempt that did not save its ts, if Slack has it. */
  async function lookUp(incidentId: number, claimedAt: string): Promise<DeliveryOutcome & { ts?: string }> {
    const oldest = String(Math.floor(Date.parse(claimedAt) / 1000) - LOOKUP_MARGIN_S);
    let cursor = '';
    for (let page = 0; page < LOOKUP_PAGES; page++) {
      const listed = await read('conversations.history', {
        channel: settings.channel,
        oldest,
        limit: '200',
        include_all_metadata: 'true',
        ...(cursor && { cursor }),
      });
      if (!listed.ok) return listed;
      const messages = (listed.body?.messages ?? []) as {
        ts: string;
        metadata?: { event_type?: string; event_payload?: { incident_id?: unknown } };
      }[];
      const mine = messages.find(
        (m) =>
          m.metadata?.event_type === METADATA_EVENT &&
          Number(m.metadata.event_payload?.incident_id) === incidentId,
      );
      if (mine) return { ok: true, status: listed.status, ts: mine.ts };
      cursor = String(
        (listed.body?.response_metadata as { next_cursor?: string } | undefined)?.next_cursor ?? '',
      );
      if (!listed.body?.has_more || !cursor) break;
    }
    return { ok: true };
  }

  /** Posts the incident's message unless it was posted: its ts, and whether it was posted just now. */
  async function thread(
    message: IncidentMessage,
    content: Record<string, unknown>,
  ): Promise<DeliveryOutcome | { ts: string; fresh: boolean; status?: number }> {
    const saved = await posts.saved(message.incidentId);
    if (saved !== undefined) return { ts: saved, fresh: false };
    const claim = await posts.claim(message.incidentId, message.notificationId);
    if (claim.state === 'saved') return { ts: claim.ref, fresh: false };
    if (claim.state === 'busy')
      return { ok: false, code: 'ECLAIMED', error: "another attempt is posting this incident's message" };
    if (claim.state === 'orphaned') {
      const found = await lookUp(message.incidentId, claim.claimedAt);
      if (!found.ok) return found;
      if (found.ts) {
        await posts.save(message.incidentId, found.ts);
        return { ts: found.ts, fresh: true, status: found.status };
      }
    }
    const posted = await call('chat.postMessage', {
      ...content,
      metadata: { event_type: METADATA_EVENT, event_payload: { incident_id: message.incidentId } },
    });
    if (!posted.ok) {
      // Refused by Slack, so not posted: nobody need look for it. Without an answer it may have been.
      if (posted.status !== undefined) await posts.release(message.incidentId);
      return posted;
    }
    const ts = String(posted.body?.ts);
    await posts.save(message.incidentId, ts);
    return { ts, fresh: true, status: posted.status };
  }

  return {
    name,
    kind: 'slack_app',
    target: settings.channel,
    events: ['triggered', 'acknowledged', 'resolved', 'escalation', 'timeline'],
    async send(message) {
      const content = { channel: settings.channel, ...slackPayload(message, buttons(message)) };
      const found = await thread(message, content);
      if ('ok' in found) return found;
      const opening = (message.event ?? 'triggered') === 'triggered';
      // Posted just now, the message is up to date; a timeline entry changes nothing in it.
      if (!found.fresh && message.event !== 'timeline') {
        const updated = await call('chat.update', { ...content, ts: found.ts });
        if (!updated.ok) return updated;
      }
      if (found.fresh && opening) return { ok: true, status: found.status };
      const reply = await call('chat.postMessage', {
        channel: settings.channel,
        thread_ts: found.ts,
        text: replyText(message),
      });
      return reply.ok ? { ok: true, status: reply.status } : reply;
    },
  };
}
