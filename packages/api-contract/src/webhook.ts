import { z } from 'zod';
import { named } from './registry';
import { rfc3339String } from './time';

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Label and annotation maps: an object whose every value is a string, copied into a map without a
 * prototype, so that every name is kept as sent: `__proto__` is a valid Prometheus label name, and a plain
 * object's __proto__ setter would drop it (`constructor` and the like are own keys too, never Object's).
 * Checked by hand, as fast as the catchall object it replaces (z.record takes twice as long): a storm's
 * notification carries hundreds of maps.
 */
export const labelSet = z.unknown().transform((value, ctx): Record<string, string> => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: `Invalid input: expected object, received ${typeOf(value)}` });
    return z.NEVER;
  }
  const labels = Object.create(null) as Record<string, string>;
  const given = value as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    const v = given[name];
    if (typeof v === 'string') labels[name] = v;
    else
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `Invalid input: expected string, received ${typeOf(v)}`,
      });
  }
  return labels;
});

/** Kept as sent (the inbox stores the raw body); normalised when merged (normaliseTime). */
const timestamp = rfc3339String;

/** One alert of a notification; fields Alertmanager or Grafana add beyond v4 are kept, not refused. */
const alertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.prefault({}),
  startsAt: timestamp,
  endsAt: timestamp.optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1).optional(),
});

/** Alertmanager webhook payload version 4; Grafana-managed alerting sends the same shape as version "1". */
export const webhookPayload = named(
  'WebhookPayload',
  'Alertmanager webhook payload, version 4 (Grafana-managed alerting sends the same as version 1); fields beyond v4 are kept',
  z.looseObject({
    version: z.enum(['4', '1'], {
      message: 'unsupported payload version (expected "4", or "1" from Grafana)',
    }),
    groupKey: z.string().min(1),
    truncatedAlerts: z.number().int().min(0).default(0),
    status: z.enum(['firing', 'resolved']),
    receiver: z.string().min(1),
    groupLabels: labelSet.prefault({}),
    commonLabels: labelSet.prefault({}),
    commonAnnotations: labelSet.prefault({}),
    externalURL: z.string().default(''),
    alerts: z.array(alertSchema).min(1),
  }),
);

export type WebhookPayload = z.output<typeof webhookPayload>;

export const webhookAccepted = named(
  'WebhookAccepted',
  'The delivery is stored durably and will be merged into incidents',
  z.strictObject({ status: z.literal('accepted'), inbox_id: z.number().int() }),
);
