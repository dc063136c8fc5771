import { systemClock, type Clock } from './clock';
import type { DeliveryOutcome } from './message';

export interface RetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Fraction (0..1) by which each delay is shortened at random. */
  jitter: number;
}

/** Exponential backoff (doubling from initialDelayMs, capped at maxDelayMs), shortened by random jitter. */
export function backoffDelayMs(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(base * (1 - policy.jitter * random()));
}

/**
 * The longest a receiver's Retry-After is waited. Rate limits ask for seconds to a minute; a reply asking for
 * days would hold the notification (and a reload waiting for it) that long, or, past a timer's 24.8 days,
 * fire at once, again and again.
 */
export const RETRY_AFTER_MAX_MS = 10 * 60_000;

/** Retry-After in milliseconds, at most RETRY_AFTER_MAX_MS: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  const at = /^\d+$/.test(text) ? now + Number(text) * 1000 : Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.min(RETRY_AFTER_MAX_MS, Math.max(0, at - now));
}

/** One try, as the retrier reports it. */
export interface Try {
  attempt: number;
  /** Epoch ms when the try started. */
  startedAt: number;
  durationMs: number;
  outcome: DeliveryOutcome;
  /** Wait before the next try; absent on the last one, whether it succeeded or gave up. */
  retryInMs?: number;
}

/**
 * The one retry loop of every integration and of scheduled reports (Alertmanager's Retrier): tries until
 * one succeeds, the receiver refuses for good, or the attempts run out, waiting the backoff or the
 * receiver's Retry-After, whichever is longer.
 */
export class Retrier {
  constructor(
    private readonly policy: RetryPolicy,
    private readonly clock: Clock = systemClock,
    private readonly random: () => number = Math.random,
  ) {}

  /** Resolves with the last try; `onTry` is awaited after each, so that none goes unrecorded. */
  async run(
    send: (attempt: number) => Promise<DeliveryOutcome>,
    onTry: (t: Try) => void | Promise<void> = () => undefined,
  ): Promise<Try> {
    const { policy, clock } = this;
    for (let attempt = 1; ; attempt++) {
      const startedAt = clock.now();
      const outcome = await sendOnce(send, attempt);
      const t: Try = { attempt, startedAt, durationMs: clock.now() - startedAt, outcome };
      const last = outcome.ok || outcome.permanent === true || attempt >= policy.maxAttempts;
      if (!last)
        t.retryInMs = Math.max(backoffDelayMs(policy, attempt, this.random), outcome.retryAfterMs ?? 0);
      await onTry(t);
      if (t.retryInMs === undefined) return t;
      await clock.sleep(t.retryInMs);
    }
  }
}

/** Senders resolve with an outcome; should one throw anyway, the failure is still an outcome to record. */
async function sendOnce(
  send: (attempt: number) => Promise<DeliveryOutcome>,
  attempt: number,
): Promise<DeliveryOutcome> {
  try {
    return await send(attempt);
  } catch (err) {
    return { ok: false, code: 'EXCEPTION', error: (err as Error).message };
  }
}
