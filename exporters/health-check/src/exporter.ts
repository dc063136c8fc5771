import type { Logger } from 'pino';
import type { Config } from './config';
import { createMetrics } from './metrics';
import { systemClock, type Clock } from './run';
import { Scheduler } from './scheduler';

/** One configuration with the scheduler running its checks and the metrics built from both. */
export interface Generation {
  readonly config: Config;
  readonly scheduler: Scheduler;
  readonly metrics: ReturnType<typeof createMetrics>;
}

/** What a reload did, for the log. */
export interface ReloadSummary {
  services: number;
  checks: number;
  /** Checks whose definition did not change: their latest result and phase were kept. */
  kept: number;
  /** New or changed checks: they run at once. */
  fresh: number;
}

/**
 * The exporter's state, swapped as a whole on reload (blackbox_exporter's SafeConfig): a request reads
 * `current` once and sees one configuration, its scheduler and its metrics throughout, never a mix.
 */
export class Exporter {
  private generation: Generation;
  private started = false;
  private stopped = false;
  private ready = false;

  constructor(
    config: Config,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    this.generation = this.build(config);
  }

  get current(): Generation {
    return this.generation;
  }

  /** Starts the checks (once the port is bound). */
  start(): void {
    this.started = true;
    this.generation.scheduler.start();
  }

  /**
   * Applies a new configuration: the old scheduler stops (its runs under way finish, within their
   * timeout), a new one takes over the results of unchanged checks, and the new configuration is swapped
   * in as a whole. (The service kit refuses a new address or port, and applies the log level.)
   */
  async reload(next: Config): Promise<ReloadSummary> {
    const old = this.generation;
    await old.scheduler.stop();
    const generation = this.build(next);
    const kept = generation.scheduler.carryOver(old.scheduler);
    this.generation = generation;
    if (this.started && !this.stopped) generation.scheduler.start();
    const checks = next.services.reduce((n, s) => n + s.checks.length, 0);
    return { services: next.services.length, checks, kept, fresh: checks - kept };
  }

  /**
   * Why /readyz should say not ready: until every check of the first configuration has run once, the
   * health API can only answer "unknown". Once ready, it stays ready (checks added by a reload are unknown
   * only until their first run, which starts at once).
   */
  notReady(): string | undefined {
    if (this.ready) return undefined;
    if (!this.started) return 'checks have not started';
    const pending = this.generation.scheduler.pending();
    if (pending > 0) return `first round of checks: ${pending} have not completed yet`;
    this.ready = true;
    return undefined;
  }

  /** Stops the checks and waits for the runs under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.generation.scheduler.stop();
  }

  private build(config: Config): Generation {
    const checks = config.services.flatMap((s) => s.checks);
    const scheduler = new Scheduler(checks, config.maxConcurrentChecks, this.log, this.clock);
    return { config, scheduler, metrics: createMetrics(config, scheduler, this.log) };
  }
}
