import type { DeliveryOutcome } from './message';

/** How much of an error response body is kept in the delivery record. */
const ERROR_BODY_CHARS = 200;

/** 4xx replies that say "not now" rather than "not this message". */
const TRANSIENT_CLIENT_ERRORS = new Set([408, 425, 429]);

/** Retry-After in milliseconds: either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export interface PostOptions {
  timeoutMs: number;
  headers?: Record<string, string>;
}

/** POSTs a JSON body (already serialised, so a signature over it matches the bytes sent). */
export async function postJson(url: string, body: string, options: PostOptions): Promise<DeliveryOutcome> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...options.headers },
      body,
      signal: AbortSignal.timeout(options.timeoutMs),
      // Following a redirect would hand the (signed) body to wherever it points.
      redirect: 'error',
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const name = (err as Error).name;
    return {
      ok: false,
      code: cause?.code ?? (name === 'TimeoutError' ? 'ETIMEDOUT' : name),
      error: cause?.message ?? (err as Error).message,
    };
  }
  const text = await response.text().catch(() => '');
  if (response.ok) return { ok: true, status: response.status };
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  return {
    ok: false,
    status: response.status,
    error: `HTTP ${response.status}: ${text.slice(0, ERROR_BODY_CHARS) || response.statusText}`,
    ...(retryAfterMs !== undefined && { retryAfterMs }),
    permanent:
      response.status >= 400 && response.status < 500 && !TRANSIENT_CLIENT_ERRORS.has(response.status),
  };
}
