import { z } from 'zod';
import { id } from './common';
import { components, named } from './registry';
import { timestamp } from './time';

export const delivery = named(
  'Delivery',
  'One attempt to deliver a notification',
  z.strictObject({
    attempt: z.number().int(),
    at: timestamp,
    kind: z.string(),
    target: z.string(),
    ok: z.boolean(),
    status_code: z.number().int().nullable(),
    error: z.string().nullable(),
    duration_ms: z.number(),
  }),
);
export type Delivery = z.output<typeof delivery>;

export const notification = named(
  'Notification',
  'A notification of an incident to one channel, with its delivery attempts',
  z.strictObject({
    id,
    event: z
      .enum(['triggered', 'acknowledged', 'resolved', 'escalation', 'digest', 'timeline'])
      .register(components, {
        description:
          'acknowledged goes only to integrations that mirror the incident (PagerDuty, Slack app, Jira); timeline (a note, an assignment, an escalation step) only to those that keep a thread per incident (Slack app)',
      }),
    channel: z.string(),
    recipient: z.string().nullable(),
    status: z.enum(['pending', 'sent', 'failed', 'held']),
    hold_reason: z.enum(['flapping', 'storm', 'maintenance']).nullable().register(components, {
      description:
        'Why noise control held it (kept once a released notification is sent); null when it never was',
    }),
    hold_ref: z.string().nullable().register(components, {
      description:
        'What held it: the maintenance window id (GET /api/v1/maintenance) or the storm id; null for flapping',
    }),
    attempts: z.number().int().register(components, {
      description:
        'Tries it took, set once it is sent or has failed for good; 0 until then (`deliveries` lists each try as it happens)',
    }),
    last_error: z.string().nullable().register(components, {
      description:
        "The last try's error once it has failed for good; once sent, whom it missed (an email's rejected recipients) or null; null until then",
    }),
    created_at: timestamp,
    updated_at: timestamp,
    deliveries: z.array(delivery),
  }),
);
export type Notification = z.output<typeof notification>;

export const notificationList = z.strictObject({ items: z.array(notification) });
