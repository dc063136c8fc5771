import { z } from 'zod';
import { duration } from '@vigil/service-kit';

const name = z.string().min(1);

/** Who a step reaches: channels directly, named users (through their channels), or a schedule's on-call. */
const targetsSchema = z
  .strictObject({
    channels: z.array(name).default([]),
    users: z.array(name).default([]),
    schedules: z.array(name).default([]),
  })
  .refine((t) => t.channels.length + t.users.length + t.schedules.length > 0, 'a step must notify someone');

const stepSchema = z.strictObject({
  notify: targetsSchema,
  // Like PagerDuty's "escalates after": the wait before the next step (or, after the last, the next round).
  escalate_after: duration.refine((ms) => ms > 0, 'must be longer than 0s').default(15 * 60_000),
});

export const policySchema = z.strictObject({
  name,
  steps: z.array(stepSchema).min(1),
  /** Further rounds through all steps while nobody acknowledges. */
  repeat: z.number().int().min(0).max(10).default(0),
  /** An acknowledged incident still unresolved after this long is triggered again and escalates anew. */
  ack_timeout: duration.optional(),
});

export const userSchema = z.strictObject({ name, channels: z.array(name).min(1) });

export type EscalationPolicy = z.output<typeof policySchema>;
export type EscalationStep = EscalationPolicy['steps'][number];
export type User = z.output<typeof userSchema>;
