import { startFakeApi, type ApiReply, type ApiRequest, type FakeApi } from './api';

const ACTIONS = ['trigger', 'acknowledge', 'resolve'];
const SEVERITIES = ['critical', 'error', 'warning', 'info'];

export interface PagerDutyAlert {
  dedupKey: string;
  status: 'triggered' | 'acknowledged' | 'resolved';
  summary: string;
  severity: string;
  /** Every accepted event for this key, in order. */
  events: Record<string, unknown>[];
}

export interface FakePagerDuty extends FakeApi {
  /** The Events API v2 endpoint to configure: `<url>/v2/enqueue`. */
  enqueueUrl: string;
  /** The alerts the accepted events made, by dedup_key. */
  alerts: Map<string, PagerDutyAlert>;
}

const invalid = (errors: string[]): ApiReply => ({
  status: 400,
  body: { status: 'invalid event', message: 'Event object is invalid', errors },
});

const blank = (v: unknown) => typeof v !== 'string' || v.trim() === '';

/** What PagerDuty's Events API v2 refuses in an event, in its words. */
function problems(event: Record<string, unknown>, routingKeys: readonly string[]): string[] {
  const errors: string[] = [];
  const { routing_key, event_action, dedup_key, payload, links, images } = event;
  if (blank(routing_key)) errors.push("'routing_key' is missing or blank");
  else if (
    String(routing_key).length !== 32 ||
    (routingKeys.length > 0 && !routingKeys.includes(String(routing_key)))
  )
    errors.push("'routing_key' is invalid");
  if (!ACTIONS.includes(String(event_action))) errors.push("'event_action' is missing or invalid");
  if (dedup_key !== undefined && (typeof dedup_key !== 'string' || dedup_key.length > 255))
    errors.push("'dedup_key' must be a string of at most 255 characters");
  if (event_action !== 'trigger' && event_action !== undefined && blank(dedup_key))
    errors.push("'dedup_key' is missing or blank");
  if (event_action === 'trigger') {
    const p = payload as Record<string, unknown> | undefined;
    if (p === null || typeof p !== 'object') errors.push("'payload' is missing or not an object");
    else {
      if (blank(p.summary)) errors.push("'payload.summary' is missing or blank");
      else if (String(p.summary).length > 1024)
        errors.push("'payload.summary' is longer than 1024 characters");
      if (blank(p.source)) errors.push("'payload.source' is missing or blank");
      if (!SEVERITIES.includes(String(p.severity))) errors.push("'payload.severity' is missing or invalid");
      if (p.timestamp !== undefined && Number.isNaN(Date.parse(String(p.timestamp))))
        errors.push("'payload.timestamp' is not a valid ISO 8601 timestamp");
      if (
        p.custom_details !== undefined &&
        (p.custom_details === null || typeof p.custom_details !== 'object')
      )
        errors.push("'payload.custom_details' must be an object");
    }
  }
  for (const [key, list] of [
    ['links', links],
    ['images', images],
  ] as const) {
    if (list === undefined) continue;
    if (!Array.isArray(list)) errors.push(`'${key}' must be an array`);
    else
      list.forEach((item: { href?: unknown; src?: unknown }, i) => {
        if (blank(key === 'links' ? item?.href : item?.src))
          errors.push(`'${key}[${i}]' has no ${key === 'links' ? 'href' : 'src'}`);
      });
  }
  return errors;
}

/**
 * PagerDuty's Events API v2 (POST /v2/enqueue) as it answers: 202 {status, message, dedup_key} for a valid
 * event; 400 {status: "invalid event", message, errors} naming each problem; 429 while throttled; 404 for
 * another path. Accepted events change the alerts by dedup_key (an acknowledge or resolve of an unknown
 * key is accepted and changes nothing, as PagerDuty does). With `routingKeys`, only those are valid.
 */
export async function startFakePagerDuty(routingKeys: readonly string[] = []): Promise<FakePagerDuty> {
  const alerts = new Map<string, PagerDutyAlert>();
  let generated = 0;
  const answer = (req: ApiRequest): ApiReply => {
    if (req.method !== 'POST' || req.path !== '/v2/enqueue')
      return { status: 404, body: { status: 'not found' } };
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return invalid(['Could not parse the request body as JSON']);
    }
    if (event === null || typeof event !== 'object' || Array.isArray(event))
      return invalid(['Event must be an object']);
    const errors = problems(event, routingKeys);
    if (errors.length > 0) return invalid(errors);
    const dedupKey = (event.dedup_key as string | undefined) ?? `generated-${++generated}`;
    const existing = alerts.get(dedupKey);
    if (event.event_action === 'trigger') {
      const p = event.payload as { summary: string; severity: string };
      if (!existing || existing.status === 'resolved')
        alerts.set(dedupKey, {
          dedupKey,
          status: 'triggered',
          summary: p.summary,
          severity: p.severity,
          events: [event],
        });
      else existing.events.push(event);
    } else if (existing && existing.status !== 'resolved') {
      existing.status = event.event_action === 'acknowledge' ? 'acknowledged' : 'resolved';
      existing.events.push(event);
    }
    return { status: 202, body: { status: 'success', message: 'Event processed', dedup_key: dedupKey } };
  };
  const fake = await startFakeApi(answer, () => ({
    status: 429,
    body: {
      status: 'throttle event',
      message: 'Requests for this service are arriving too quickly.  Please retry later.',
    },
  }));
  return { ...fake, enqueueUrl: `${fake.url}/v2/enqueue`, alerts };
}
