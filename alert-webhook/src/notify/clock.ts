import { setTimeout as sleep } from 'node:timers/promises';

/** Time as the notifier sees it; tests pass their own so that waits are checked without being slept. */
export interface Clock {
  now: () => number;
  sleep: (ms: number) => Promise<unknown>;
}

export const systemClock: Clock = { now: Date.now, sleep };
