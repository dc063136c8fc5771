import { createHash } from 'node:crypto';
import { z } from 'zod';
import { fieldProblems, type FieldProblem } from '@vigil/service-kit';
import { parseRfc3339, rfc3339String } from './time';

/**
 * Label and annotation maps. An object whose every key must hold a string accepts and refuses exactly what
 * z.record(z.string(), z.string()) does, in half the time: a storm's notification carries hundreds of maps.
 */
const labelSet = z.object({}).catchall(z.string());

/** Kept as sent (the inbox stores the raw body); normalised when merged (normaliseTime). */
const timestamp = rfc3339String;

/** One alert of a notification; fields Alertmanager or Grafana add beyond v4 are kept, not refused. */
const alertSchema = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: timestamp,
  endsAt: timestamp.optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1).optional(),
});

/** Alertmanager webhook payload version 4; Grafana-managed alerting sends the same shape as version "1". */
export const payloadSchema = z.looseObject({
  version: z.enum(['4', '1'], { message: 'unsupported payload version (expected "4", or "1" from Grafana)' }),
  groupKey: z.string().min(1),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().min(1),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().default(''),
  alerts: z.array(alertSchema).min(1),
});

export type WebhookPayload = z.output<typeof payloadSchema>;
export type WebhookAlert = WebhookPayload['alerts'][number];

export function validatePayload(
  body: unknown,
): { ok: true; payload: WebhookPayload } | { ok: false; details: FieldProblem[] } {
  const result = payloadSchema.safeParse(body);
  if (result.success) return { ok: true, payload: result.data };
  return { ok: false, details: fieldProblems(result.error, '(body)') };
}

/**
 * A validated time in the stored form (`YYYY-MM-DDTHH:MM:SS.sssZ`). Alertmanager's zero time
 * ("0001-01-01T00:00:00Z"), like any time not after 1970-01-01, means "none" ("no end yet" for endsAt).
 */
export function normaliseTime(value: string | undefined): string | null {
  const ms = value === undefined ? undefined : parseRfc3339(value);
  return ms === undefined || ms <= 0 ? null : new Date(ms).toISOString();
}

/** Alertmanager always sends a fingerprint; other senders may not, so derive one from the label set. */
export function alertFingerprint(alert: WebhookAlert): string {
  if (alert.fingerprint) return alert.fingerprint;
  const canonical = Object.keys(alert.labels)
    .sort()
    .map((k) => `${k}\u0000${alert.labels[k]}`)
    .join('\u0001');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}
