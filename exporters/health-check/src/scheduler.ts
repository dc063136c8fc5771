import type { Logger } from 'pino';
import { CHECK_KINDS } from './checks';
import type { CheckKind } from './checks/kind';
import type { CheckConfig } from './config';
import { Limiter } from './limiter';
import { runCheck, systemClock, type CheckResult, type Clock } from './run';

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
   * and hits shared targets at once).
   */
  start(): void {
    this.checks.forEach((check, i) => this.loop(check, (check.intervalMs * (i + 1)) / this.checks.length));
  }

  /** Runs every check once, for tests and one-shot use. */
  async runAll(): Promise<void> {
    await Promise.all(this.checks.map((check) => this.runScheduled(check)));
  }

  /** Runs an ad-hoc check (a /probe) under the same concurrency limit; the result is not kept. */
  probe(kind: CheckKind, spec: Record<string, unknown>, timeoutMs: number): Promise<CheckResult> {
    return this.track(this.limiter.run(() => runCheck(kind, spec, timeoutMs, this.clock)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(this.inFlight);
  }

  private loop(check: CheckConfig, nextAfterMs = check.intervalMs): void {
    if (this.stopped) return;
    const started = this.clock.monotonic();
    void this.runScheduled(check).then(() => {
      if (this.stopped) return;
      // Keep the cadence: a run that took 2s of a 30s interval is next due 28s later.
      const delay = Math.max(0, nextAfterMs - (this.clock.monotonic() - started));
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.loop(check);
      }, delay);
      this.timers.add(timer);
    });
  }

  private async runScheduled(check: CheckConfig): Promise<void> {
    const kind = CHECK_KINDS.get(check.kind) as CheckKind;
    const result = await this.track(
      this.limiter.run(() => runCheck(kind, check.spec, check.timeoutMs, this.clock)),
    );
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
