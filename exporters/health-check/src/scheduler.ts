import type { Logger } from 'pino';
import { CHECK_KINDS } from './checks';
import type { CheckKind } from './checks/kind';
import type { CheckConfig } from './config';
import { Limiter } from './limiter';
import { runCheck, systemClock, type CheckResult, type Clock, type ProbeExtras } from './run';

/**
 * Runs every check on its own interval through one concurrency limit, and keeps each check's latest
 * result for scrapes and the health API (which therefore never wait on a check).
 */
export class Scheduler {
  private readonly latest = new Map<CheckConfig, CheckResult>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly limiter: Limiter;
  private stopped = false;

  constructor(
    private readonly checks: readonly CheckConfig[],
    maxConcurrent: number,
    private readonly log: Logger,
    readonly clock: Clock = systemClock,
  ) {
    this.limiter = new Limiter(maxConcurrent);
  }

  result(check: CheckConfig): CheckResult | undefined {
    return this.latest.get(check);
  }

  /**
   * Runs every check now and then on its interval. The first round runs at once, so results come early;
   * the second run of the i-th of n checks comes (i+1)/n of its interval later, so that from then on the
   * checks are spread over the interval instead of all falling due together (a burst that delays scrapes
   * and hits shared targets at once). Checks with a result carried over from a reload (see carryOver) keep
   * their phase instead: next due one interval after their last run.
   */
  start(): void {
    const fresh = this.checks.filter((check) => !this.latest.has(check));
    fresh.forEach((check, i) => this.loop(check, (check.intervalMs * (i + 1)) / fresh.length));
    for (const check of this.checks) {
      const last = this.latest.get(check);
      if (!last) continue;
      const due = last.finishedAt + check.intervalMs - this.clock.now();
      this.after(Math.min(check.intervalMs, Math.max(0, due)), () => this.loop(check));
    }
  }

  /**
   * Takes over the latest results of `previous` (the scheduler of the configuration being replaced) for
   * every check whose run is defined the same way (service, name, kind, timeout and every setting,
   * secrets included); `start` then runs those on their old phase rather than all at once. Returns how
   * many were kept.
   */
  carryOver(previous: Scheduler): number {
    const before = new Map(previous.checks.map((c) => [`${c.service}\0${c.name}`, c]));
    let kept = 0;
    for (const check of this.checks) {
      const old = before.get(`${check.service}\0${check.name}`);
      const result = old && previous.latest.get(old);
      if (!old || !result || !sameRun(old, check)) continue;
      this.latest.set(check, result);
      kept++;
    }
    return kept;
  }

  /** How many checks have not completed a run yet. */
  pending(): number {
    return this.checks.reduce((n, check) => (this.latest.has(check) ? n : n + 1), 0);
  }

  /** Runs every check once, for tests and one-shot use. */
  async runAll(): Promise<void> {
    await Promise.all(this.checks.map((check) => this.runScheduled(check)));
  }

  /**
   * Runs an ad-hoc check (a /probe) under the same concurrency limit; the result is not kept. The timeout
   * counts from the request, waiting for a slot included: Prometheus gives up on the scrape after it, so a
   * probe still queued then fails at once, saying why.
   */
  probe(
    kind: CheckKind,
    spec: Record<string, unknown>,
    timeoutMs: number,
    extras: ProbeExtras,
  ): Promise<CheckResult> {
    const queued = this.clock.monotonic();
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    // A client gone while the probe waits for a slot: it leaves the queue.
    extras.cancelled?.addEventListener('abort', () => deadline.abort(), { once: true });
    const run = this.limiter
      .run(async () => {
        const waitedMs = this.clock.monotonic() - queued;
        if (waitedMs >= 1) extras.log('Waited for a free check slot', { seconds: waitedMs / 1000 });
        const result = await runCheck(kind, spec, timeoutMs - waitedMs, this.clock, extras);
        // As blackbox_exporter's, the duration is the whole probe's, from the request on.
        return { ...result, durationSeconds: result.durationSeconds + waitedMs / 1000 };
      }, deadline.signal)
      .catch((err: unknown): CheckResult => {
        if (!deadline.signal.aborted) throw err;
        const message = `no free check slot within the ${timeoutMs / 1000}s timeout (max_concurrent_checks are all busy)`;
        extras.log('Timeout reached', { err: message }, 'error');
        return { success: false, message, durationSeconds: timeoutMs / 1000, finishedAt: this.clock.now() };
      })
      .finally(() => clearTimeout(timer));
    return this.track(run);
  }

  /**
   * Stops scheduling and waits for the runs under way (each ends by its timeout); runs still queued for a
   * slot are dropped, so a reload or shutdown waits for at most max_concurrent_checks runs.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.inFlight);
  }

  private after(delayMs: number, then: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      then();
    }, delayMs);
    this.timers.add(timer);
  }

  private loop(check: CheckConfig, nextAfterMs = check.intervalMs): void {
    if (this.stopped) return;
    const started = this.clock.monotonic();
    void this.runScheduled(check).then(() => {
      if (this.stopped) return;
      // Keep the cadence: a run that took 2s of a 30s interval is next due 28s later.
      this.after(Math.max(0, nextAfterMs - (this.clock.monotonic() - started)), () => this.loop(check));
    });
  }

  private async runScheduled(check: CheckConfig): Promise<void> {
    const kind = CHECK_KINDS.get(check.kind) as CheckKind;
    const result = await this.track(
      this.limiter.run(async () =>
        this.stopped ? undefined : runCheck(kind, check.spec, check.timeoutMs, this.clock),
      ),
    );
    if (!result) return;
    const previous = this.latest.get(check);
    if (previous?.success !== result.success) {
      this.log.info(
        { service: check.service, check: check.name, success: result.success, message: result.message },
        'check result changed',
      );
    }
    this.latest.set(check, result);
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
    return promise;
  }
}

/** Deep equality of settings as the schemas produce them: plain data, with compiled regexes. */
function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof RegExp || b instanceof RegExp)
    return a instanceof RegExp && b instanceof RegExp && a.source === b.source && a.flags === b.flags;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x).filter((k) => x[k] !== undefined);
  return (
    keys.length === Object.keys(y).filter((k) => y[k] !== undefined).length &&
    keys.every((k) => same(x[k], y[k]))
  );
}

/** Whether two checks run the same probe, so that one's result stands for the other's. */
function sameRun(a: CheckConfig, b: CheckConfig): boolean {
  return a.kind === b.kind && a.timeoutMs === b.timeoutMs && same(a.spec, b.spec);
}
