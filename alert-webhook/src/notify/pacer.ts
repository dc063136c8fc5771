import { systemClock, type Clock } from './clock';

/**
 * Runs tasks for the same key (a webhook URL) one at a time, each starting at least intervalMs after the
 * previous one finished, and holds a key back when its receiver asks for a pause. Counting from the end of
 * a request, not its start, keeps arrivals apart however long each request took to get there.
 */
export class Pacer {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly nextFree = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly clock: Clock = systemClock,
  ) {}

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const turn = (this.queues.get(key) ?? Promise.resolve()).then(async () => {
      const wait = (this.nextFree.get(key) ?? 0) - this.clock.now();
      if (wait > 0) await this.clock.sleep(wait);
      try {
        return await task();
      } finally {
        this.holdUntil(key, this.clock.now() + this.intervalMs);
      }
    });
    this.queues.set(
      key,
      turn.catch(() => undefined),
    );
    return turn;
  }

  /** Nothing more goes to key for pauseMs (a 429's Retry-After). */
  pause(key: string, pauseMs: number): void {
    this.holdUntil(key, this.clock.now() + pauseMs);
  }

  private holdUntil(key: string, at: number): void {
    this.nextFree.set(key, Math.max(this.nextFree.get(key) ?? 0, at));
  }
}
