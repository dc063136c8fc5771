import { createHmac } from 'node:crypto';
import type { WebhookSettings } from './config';
import { HttpClient } from '@vigil/service-kit';
import { postJson } from '../http';
import type { NotificationChannel } from '../message';

const SIGNATURE_HEADER = 'X-Vigil-Signature';
const TIMESTAMP_HEADER = 'X-Vigil-Timestamp';

/**
 * POSTs the message as JSON, signed with HMAC-SHA256 over the exact body. The send time is both in the
 * body (so the signature covers it) and in a header (so a receiver can refuse stale or replayed requests
 * before parsing anything, then check the two agree).
 */
export function createWebhookChannel(name: string, settings: WebhookSettings): NotificationChannel {
  const { url, secret } = settings;
  const client = new HttpClient(settings.http);
  const target = new URL(url);
  return {
    name,
    kind: 'webhook',
    // Query strings sometimes carry tokens; origin and path say where it went.
    target: `${target.origin}${target.pathname}`,
    async send(message) {
      const timestamp = Math.floor(Date.now() / 1000);
      const body = JSON.stringify({ version: 1, timestamp, incident: message });
      const signature = createHmac('sha256', secret).update(body).digest('hex');
      return postJson(client, url, body, {
        [SIGNATURE_HEADER]: `sha256=${signature}`,
        [TIMESTAMP_HEADER]: String(timestamp),
      });
    },
  };
}
