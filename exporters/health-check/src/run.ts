import { describeError, type CheckKind, type ProbeResult } from './checks/kind';

export interface CheckResult extends ProbeResult {
  durationSeconds: number;
  /** Wall-clock time the run finished, Unix milliseconds. */
  finishedAt: number;
}

export interface Clock {
  /** Unix milliseconds. */
  now(): number;
  /** Milliseconds from an arbitrary origin, never going back; for durations. */
  monotonic(): number;
}

export const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

/**
 * Runs one check to a result: never rejects, and never takes much longer than timeoutMs even when a kind
 * ignores its abort signal, so a faulty check can neither break a scrape nor hold a concurrency slot.
 */
export async function runCheck(
  kind: CheckKind,
  spec: Record<string, unknown>,
  timeoutMs: number,
  clock: Clock,
): Promise<CheckResult> {
  const controller = new AbortController();
  const { signal } = controller;
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const started = clock.monotonic();
  let result: ProbeResult;
  try {
    const running = Promise.resolve().then(() => kind.run(spec, { signal }));
    const timedOut = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(new Error('timeout')), { once: true }),
    );
    // A run that loses the race may still reject later; that outcome is no longer wanted.
    running.catch(() => undefined);
    result = await Promise.race([running, timedOut]);
  } catch (err) {
    result = { success: false, message: describeError(err, signal) };
  } finally {
    clearTimeout(timer);
  }
  return { ...result, durationSeconds: (clock.monotonic() - started) / 1000, finishedAt: clock.now() };
}
