import { createHash } from 'node:crypto';
import { z } from 'zod';
import { fieldProblems, type FieldProblem } from '@vigil/service-kit';
import { parseRfc3339, rfc3339String } from './time';

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/**
 * Label and annotation maps: an object whose every value is a string, copied into a map without a
 * prototype, so that every name is kept as sent: `__proto__` is a valid Prometheus label name, and a plain
 * object's __proto__ setter would drop it (`constructor` and the like are own keys too, never Object's).
 * Checked by hand, as fast as the catchall object it replaces (z.record takes twice as long): a storm's
 * notification carries hundreds of maps.
 */
const labelSet = z.unknown().transform((value, ctx): Record<string, string> => {
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
export const payloadSchema = z.looseObject({
  version: z.enum(['4', '1'], { message: 'unsupported payload version (expected "4", or "1" from Grafana)' }),
  groupKey: z.string().min(1),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().min(1),
  groupLabels: labelSet.prefault({}),
  commonLabels: labelSet.prefault({}),
  commonAnnotations: labelSet.prefault({}),
  externalURL: z.string().default(''),
  alerts: z.array(alertSchema).min(1),
});

export type WebhookPayload = z.output<typeof payloadSchema>;
export type WebhookAlert = WebhookPayload['alerts'][number];

/**
 * A field named __proto__ of the payload or of an alert: zod's objects would drop it without a word, so it
 * is refused (labels and annotations keep the name, see labelSet).
 */
function protoFields(body: unknown): FieldProblem[] {
  const message = 'a field named __proto__ is not accepted here (labels and annotations may have one)';
  const has = (v: unknown) => v !== null && typeof v === 'object' && Object.hasOwn(v, '__proto__');
  const problems: FieldProblem[] = has(body) ? [{ field: '__proto__', message }] : [];
  const alerts = body !== null && typeof body === 'object' ? (body as { alerts?: unknown }).alerts : [];
  if (Array.isArray(alerts)) {
    alerts.forEach((a: unknown, i) => {
      if (has(a)) problems.push({ field: `alerts.${i}.__proto__`, message });
    });
  }
  return problems;
}

export function validatePayload(
  body: unknown,
): { ok: true; payload: WebhookPayload } | { ok: false; details: FieldProblem[] } {
  const proto = protoFields(body);
  if (proto.length > 0) return { ok: false, details: proto };
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
