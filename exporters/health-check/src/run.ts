import {
  checkContext,
  describeError,
  type CheckContext,
  type CheckKind,
  type ProbeResult,
} from './checks/kind';
import type { ProbeLog, ProbeSeries } from './series';

export interface CheckResult extends ProbeResult {
  durationSeconds: number;
  /** Wall-clock time the run finished, Unix milliseconds. */
  finishedAt: number;
  /** For a /probe: the kind's own series as they stood when the run ended (or timed out). */
  series?: ProbeSeries;
}

export interface Clock {
  /** Unix milliseconds. */
  now(): number;
  /** Milliseconds from an arbitrary origin, never going back; for durations. */
  monotonic(): number;
}

export const systemClock: Clock = { now: () => Date.now(), monotonic: () => performance.now() };

/** What a /probe run has besides a configured check: its series, its debug log, the allowlist. */
export interface ProbeExtras {
  series: ProbeSeries;
  log: ProbeLog;
  allowed: CheckContext['allowed'];
  /** Aborted when the /probe's client has gone (Prometheus gave up): the run and its slot end then. */
  cancelled?: AbortSignal;
}

/**
 * Runs one check to a result: never rejects, and never takes much longer than timeoutMs even when a kind
 * ignores its abort signal, so a faulty check can neither break a scrape nor hold a concurrency slot.
 */
export async function runCheck(
  kind: CheckKind,
  spec: Record<string, unknown>,
  timeoutMs: number,
  clock: Clock,
  probe?: ProbeExtras,
): Promise<CheckResult> {
  const controller = new AbortController();
  const { signal } = controller;
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  probe?.cancelled?.addEventListener('abort', () => controller.abort(), { once: true });
  const started = clock.monotonic();
  const ctx: CheckContext = probe ? { signal, ...probe } : checkContext(signal);
  let result: ProbeResult;
  try {
    const running = Promise.resolve().then(() => kind.run(spec, ctx));
    const timedOut = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(new Error('timeout')), { once: true }),
    );
    // A run that loses the race may still reject later; that outcome is no longer wanted.
    running.catch(() => undefined);
    result = await Promise.race([running, timedOut]);
  } catch (err) {
    result = { success: false, message: describeError(err, signal) };
    probe?.log(signal.aborted ? 'Timeout reached' : 'Error', { err: result.message }, 'error');
  } finally {
    clearTimeout(timer);
  }
  const durationSeconds = (clock.monotonic() - started) / 1000;
  // A kind that timed out may still be writing its series: the answer keeps them as they stood.
  const series = probe ? probe.series.clone() : undefined;
  return { ...result, durationSeconds, finishedAt: clock.now(), ...(series ? { series } : {}) };
}
