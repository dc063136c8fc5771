import { z } from 'zod';
import { components, named } from './registry';
import { parseRfc3339, rfc3339String } from './time';

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * A new, empty label map: nothing of Object's behind it, so that every name is kept as sent (`__proto__` is
 * a valid Prometheus label name, and Object's __proto__ setter would drop it; `constructor` and the like
 * are own keys too, never Object's). An object of a constructor, not `Object.create(null)`: V8 keeps that
 * one as a hash table, which took twice the time and memory to fill, a storm's notification holding
 * hundreds of maps.
 */
const LabelMap = function LabelMap() {} as unknown as new () => Record<string, string>;
LabelMap.prototype = Object.freeze(Object.create(null));

/**
 * Label and annotation maps: an object whose every value is a string, copied into a LabelMap.
 * Checked by hand, as fast as the catchall object it replaces (z.record takes twice as long).
 */
export const labelSet = z.unknown().transform((value, ctx): Record<string, string> => {
  if (!isObject(value)) {
    ctx.addIssue({ code: 'custom', message: `Invalid input: expected object, received ${typeOf(value)}` });
    return z.NEVER;
  }
  const labels = new LabelMap();
  for (const name of Object.keys(value)) {
    const v = value[name];
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

/**
 * A label map (labelSet's output) when every value is a string, else undefined; without `copy`, the value
 * itself once checked (an empty map when absent).
 */
function readLabels(
  value: unknown,
  absent: 'empty' | 'refuse',
  copy: boolean,
): Record<string, string> | undefined {
  if (value === undefined) return absent === 'empty' ? new LabelMap() : undefined;
  if (!isObject(value)) return undefined;
  const labels = copy ? new LabelMap() : (value as Record<string, string>);
  // for…in, not Object.keys: no array per map. Own keys only, should Object.prototype have been given any.
  for (const name in value) {
    if (!Object.hasOwn(value, name)) continue;
    const v = value[name];
    if (typeof v !== 'string') return undefined;
    if (copy) labels[name] = v;
  }
  return labels;
}

const isStatus = (v: unknown) => v === 'firing' || v === 'resolved';
/**
 * The last startsAt and endsAt found valid, each on its own: a notification's alerts mostly share their
 * endsAt, often their startsAt, and one memo for both was undone by each alert's other time.
 */
const validTimes: { startsAt?: string; endsAt?: string } = {};
function isTime(v: unknown, field: 'startsAt' | 'endsAt'): boolean {
  if (typeof v !== 'string') return false;
  if (v === validTimes[field]) return true;
  if (parseRfc3339(v) === undefined) return false;
  validTimes[field] = v;
  return true;
}

/** The fields of an alert in webhook v4; any other is kept as sent, and stored as the alert's extra. */
export const ALERT_FIELDS: ReadonlySet<string> = new Set(Object.keys(alertSchema.shape));
const PAYLOAD_FIELDS = new Set(Object.keys(webhookPayload.shape));

/**
 * Copies the fields beyond the schema's, kept as sent (the looseObject's catchall); false for a field named
 * __proto__, which would set the copy's prototype (the schema drops it).
 */
function copyExtra(from: Record<string, unknown>, known: ReadonlySet<string>, to: Record<string, unknown>) {
  for (const name in from) {
    if (!Object.hasOwn(from, name)) continue;
    if (name === '__proto__') return false;
    if (!known.has(name)) to[name] = from[name];
  }
  return true;
}

function readAlert(value: unknown, copy: boolean): WebhookPayload['alerts'][number] | undefined {
  if (!isObject(value)) return undefined;
  const { status, startsAt, endsAt, generatorURL, fingerprint } = value;
  const labels = readLabels(value.labels, 'refuse', copy);
  const annotations = readLabels(value.annotations, 'empty', copy);
  if (!isStatus(status) || !labels || !annotations || !isTime(startsAt, 'startsAt')) return undefined;
  if (endsAt !== undefined && !isTime(endsAt, 'endsAt')) return undefined;
  if (generatorURL !== undefined && typeof generatorURL !== 'string') return undefined;
  if (fingerprint !== undefined && (typeof fingerprint !== 'string' || fingerprint === '')) return undefined;
  if (!copy)
    return Object.hasOwn(value, '__proto__') ? undefined : (value as WebhookPayload['alerts'][number]);
  const alert: Record<string, unknown> = { status, labels, annotations, startsAt };
  if (endsAt !== undefined) alert.endsAt = endsAt;
  if (generatorURL !== undefined) alert.generatorURL = generatorURL;
  if (fingerprint !== undefined) alert.fingerprint = fingerprint;
  return copyExtra(value, ALERT_FIELDS, alert) ? (alert as WebhookPayload['alerts'][number]) : undefined;
}

/**
 * webhookPayload's output for a payload that the schema accepts, read by hand, or undefined for anything
 * else (the caller then asks the schema, for its output or its problems). The receiver reads every
 * delivery on the event loop that answers Alertmanager, and zod's checks were most of ingest's time in a
 * storm; a property test holds this to the schema's output.
 */
export const readWebhookPayload = (body: unknown): WebhookPayload | undefined => read(body, true);

/**
 * What a receiver that stores a delivery as sent reads of it: its group, and its alerts' statuses and
 * labels. Unlike the copy's, these labels inherit Object's prototype: read them with Object.hasOwn.
 */
export interface DeliveryHead {
  receiver: string;
  groupKey: string;
  alerts: readonly { status: 'firing' | 'resolved'; labels: Readonly<Record<string, string>> }[];
}

/**
 * The body itself when readWebhookPayload would read it, else undefined: the same checks without the
 * copy, for a receiver that reads no more of a delivery than its head (the copy and its collection were a
 * tenth of the receiving thread's time in a storm).
 */
export const checkWebhookPayload = (body: unknown): DeliveryHead | undefined => read(body, false);

/** readWebhookPayload; without `copy`, the body itself once checked, its defaults not filled in. */
function read(body: unknown, copy: boolean): WebhookPayload | undefined {
  if (!isObject(body)) return undefined;
  const { version, groupKey, status, receiver, alerts } = body;
  const truncatedAlerts = body.truncatedAlerts === undefined ? 0 : body.truncatedAlerts;
  const externalURL = body.externalURL === undefined ? '' : body.externalURL;
  if ((version !== '4' && version !== '1') || !isStatus(status)) return undefined;
  if (typeof groupKey !== 'string' || groupKey === '' || typeof receiver !== 'string' || receiver === '')
    return undefined;
  if (!Number.isSafeInteger(truncatedAlerts) || (truncatedAlerts as number) < 0) return undefined;
  if (typeof externalURL !== 'string' || !Array.isArray(alerts) || alerts.length === 0) return undefined;
  const groupLabels = readLabels(body.groupLabels, 'empty', copy);
  const commonLabels = readLabels(body.commonLabels, 'empty', copy);
  const commonAnnotations = readLabels(body.commonAnnotations, 'empty', copy);
  if (!groupLabels || !commonLabels || !commonAnnotations) return undefined;
  const read: WebhookPayload['alerts'] = [];
  for (const a of alerts) {
    const alert = readAlert(a, copy);
    if (!alert) return undefined;
    if (copy) read.push(alert);
  }
  if (!copy) return Object.hasOwn(body, '__proto__') ? undefined : (body as WebhookPayload);
  const payload: Record<string, unknown> = {
    version,
    groupKey,
    truncatedAlerts,
    status,
    receiver,
    groupLabels,
    commonLabels,
    commonAnnotations,
    externalURL,
    alerts: read,
  };
  return copyExtra(body, PAYLOAD_FIELDS, payload) ? (payload as WebhookPayload) : undefined;
}

export const webhookAccepted = named(
  'WebhookAccepted',
  'The delivery is stored durably and will be merged into incidents',
  z.strictObject({
    status: z.literal('accepted'),
    inbox_id: z
      .number()
      .int()
      .nullable()
      .register(components, { description: 'the stored delivery; null when every alert was a heartbeat' }),
    heartbeats: z
      .number()
      .int()
      .min(1)
      .optional()
      .register(components, { description: 'how many of its alerts were heartbeats (recorded, not merged)' }),
  }),
);
