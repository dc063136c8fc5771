import { sendError } from '@vigil/service-kit';
import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { Router } from 'express';
import type { Logger } from 'pino';
import type { Db } from '../db/database';
import type { EscalationPolicy } from '../escalation/policy';
import { act } from '../incidents/repository';
import type { ChannelSettings } from '../notify/config';
import type { SlackAppSettings } from '../notify/slack-app/config';
import { ACK_ACTION, RESOLVE_ACTION } from '../notify/slack-app/slack-app';

/** Slack's own tolerance: a request signed more than five minutes ago may be a replay. */
export const SIGNATURE_TOLERANCE_S = 300;

/** Slack's v0 signature of a request: "v0=" and the hex HMAC-SHA256 of "v0:<timestamp>:<body>". */
export function slackSignature(secret: string, timestamp: string, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

interface BlockActions {
  type?: string;
  user?: { id?: string };
  channel?: { id?: string };
  actions?: { action_id?: string; value?: string }[];
}

/**
 * Slack's interactivity endpoint for the slack_app channels' buttons (POST /api/v1/slack/interactivity):
 * the request must carry a valid v0 signature of one of their signing secrets, made within five minutes;
 * the Slack user must be mapped to a Vigil user in that channel's `users`, who then acknowledges or resolves.
 */
export function slackRouter(
  db: Db,
  channels: Record<string, ChannelSettings>,
  policies: ReadonlyMap<string, EscalationPolicy>,
  onChange: () => void,
  log: Logger,
  now: () => number = Date.now,
) {
  const apps = Object.values(channels).filter((c): c is SlackAppSettings => c.kind === 'slack_app');
  const router = Router();
  router.post('/slack/interactivity', express.raw({ type: () => true, limit: '64kb' }), async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const timestamp = req.get('x-slack-request-timestamp') ?? '';
    const signature = req.get('x-slack-signature') ?? '';
    if (!/^\d+$/.test(timestamp) || Math.abs(now() / 1000 - Number(timestamp)) > SIGNATURE_TOLERANCE_S) {
      return sendError(
        res,
        401,
        'unauthorized',
        'X-Slack-Request-Timestamp is missing or not within 5 minutes',
      );
    }
    const signed = apps.filter((a) => sameText(slackSignature(a.signingSecret, timestamp, body), signature));
    if (signed.length === 0) {
      return sendError(res, 401, 'unauthorized', 'X-Slack-Signature does not match');
    }
    let payload: BlockActions;
    try {
      payload = JSON.parse(new URLSearchParams(body).get('payload') ?? '') as BlockActions;
    } catch {
      return sendError(res, 400, 'invalid_request', 'the payload field is not JSON');
    }
    const action = payload.actions?.[0];
    const kind =
      action?.action_id === ACK_ACTION
        ? 'acknowledge'
        : action?.action_id === RESOLVE_ACTION
          ? 'resolve'
          : undefined;
    const incidentId = Number(action?.value);
    if (payload.type !== 'block_actions' || !kind || !Number.isSafeInteger(incidentId)) {
      res.status(200).end(); // Not ours to handle (another action or interaction): Slack wants a 200.
      return;
    }
    // A Slack app's signing secret is the same for each of its channels: the press is for the channel whose
    // message holds the button, with that channel's users.
    const app = signed.find((a) => a.channel === payload.channel?.id);
    if (!app) {
      log.warn(
        { slack_channel: payload.channel?.id, incident: incidentId },
        'button pressed in a Slack channel no slack_app channel names: ignored',
      );
      res
        .status(200)
        .json({ response_type: 'ephemeral', text: 'This Slack channel is not set up in Vigil.' });
      return;
    }
    const slackUser = payload.user?.id ?? '';
    const user = app.users[slackUser];
    if (!user) {
      log.warn(
        { slack_user: slackUser, incident: incidentId },
        'Slack user not mapped to a Vigil user: button ignored',
      );
      res
        .status(200)
        .json({ response_type: 'ephemeral', text: 'Your Slack user is not mapped to a Vigil user.' });
      return;
    }
    const result = await act(db, incidentId, user, { kind, note: 'from Slack' }, policies);
    if (result.outcome === 'ok') onChange();
    res.status(200).end();
  });
  return router;
}
