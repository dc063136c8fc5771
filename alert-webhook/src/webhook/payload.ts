import { createHash } from 'node:crypto';
import { fieldProblems, type FieldProblem } from '@vigil/service-kit';
import {
  checkWebhookPayload,
  parseRfc3339,
  readWebhookPayload,
  webhookPayload as payloadSchema,
  type DeliveryHead,
} from '@vigil/api-contract';

export type { DeliveryHead, WebhookPayload } from '@vigil/api-contract';
import type { WebhookPayload } from '@vigil/api-contract';
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

type Checked<P> = { ok: true; payload: P } | { ok: false; details: FieldProblem[] };

/**
 * The payload, read into a copy of its own, or the problems that refuse it. With 'check', the body itself
 * once checked (checkWebhookPayload), for a caller that reads no more of it than its head.
 */
export function validatePayload(body: unknown): Checked<WebhookPayload>;
export function validatePayload(body: unknown, mode: 'check'): Checked<DeliveryHead>;
export function validatePayload(body: unknown, mode: 'copy' | 'check' = 'copy'): Checked<DeliveryHead> {
  const proto = protoFields(body);
  if (proto.length > 0) return { ok: false, details: proto };
  const read = mode === 'copy' ? readWebhookPayload(body) : checkWebhookPayload(body);
  if (read) return { ok: true, payload: read };
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
