import type { HttpClient, HttpResponse } from '@vigil/service-kit';
import type { DeliveryOutcome } from './message';
import { parseRetryAfter } from './retrier';

/** How much of an error response body is kept in the delivery record. */
const ERROR_BODY_CHARS = 200;

/** 4xx replies that say "not now" rather than "not this message". */
const TRANSIENT_CLIENT_ERRORS = new Set([408, 425, 429]);

/**
 * An error about a request to `url`, without the URL's path and query where the reply quotes them alone
 * (`Cannot POST /services/T0/B0/secret`, as express answers a 404): they may be the credential. Whole URLs
 * in it are cut where every failure is described (dispatch/attempt-log.ts).
 */
function withoutPathOf(url: string, text: string): string {
  const { pathname, search } = new URL(url);
  let out = text;
  for (const part of [pathname + search, pathname, search]) {
    if (part.length > 1) out = out.split(part).join('/…');
  }
  return out;
}

/**
 * A reply as a delivery outcome: 2xx is delivered; a 3xx (redirects are not followed, so it would answer the
 * same) and a 4xx but 408/425/429 are permanent, as Alertmanager retries only 5xx; Retry-After kept.
 */
export function outcomeOf(response: HttpResponse): DeliveryOutcome {
  const { status, text } = response;
  if (status >= 200 && status < 300) return { ok: true, status };
  const retryAfterMs = parseRetryAfter(response.header('retry-after'));
  return {
    ok: false,
    status,
    error: `HTTP ${status}: ${text.slice(0, ERROR_BODY_CHARS) || response.statusText}`,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    permanent: status < 500 && !TRANSIENT_CLIENT_ERRORS.has(status),
  };
}

/** A request that got no reply, as an outcome: its code (ECONNREFUSED, ETIMEDOUT, a TLS code) and why. */
export function failureOf(err: unknown): DeliveryOutcome {
  const e = err as { code?: string; message?: string };
  return { ok: false, code: e.code ?? 'EREQUEST', error: e.message ?? String(err) };
}

/**
 * Sends a request and reads its reply, or the reason there was none; never rejects. `read` may turn a
 * reply into an outcome its own way (APIs that answer 200 with an error in the body).
 */
export async function send(
  client: HttpClient,
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> },
  read: (response: HttpResponse) => DeliveryOutcome = outcomeOf,
): Promise<DeliveryOutcome> {
  let outcome: DeliveryOutcome;
  try {
    outcome = read(await client.request(url, init));
  } catch (err) {
    outcome = failureOf(err);
  }
  return outcome.error === undefined ? outcome : { ...outcome, error: withoutPathOf(url, outcome.error) };
}

/** POSTs a JSON body (already serialised, so that a signature over it matches the bytes sent). */
export function postJson(
  client: HttpClient,
  url: string,
  body: string,
  headers: Record<string, string> = {},
  read: (response: HttpResponse) => DeliveryOutcome = outcomeOf,
): Promise<DeliveryOutcome> {
  return send(
    client,
    url,
    { method: 'POST', body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } },
    read,
  );
}
