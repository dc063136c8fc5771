/** The label value that stands for every value past a label's cap. */
export const OVERFLOW_VALUE = 'other';

/**
 * Caps the distinct values of one label: the first `max` values seen are kept, later new ones become
 * "other" (and onOverflow is called), so series — and memory — stay bounded whatever the logs hold.
 */
export class LabelValueLimiter {
  private readonly seen = new Set<string>();

  constructor(
    private readonly max: number,
    private readonly onOverflow: () => void,
  ) {}

  admit(value: string): string {
    if (this.seen.has(value)) return value;
    if (this.seen.size < this.max) {
      this.seen.add(value);
      return value;
    }
    this.onOverflow();
    return OVERFLOW_VALUE;
  }
}

/**
 * State keyed by values from logs (addresses, users), which whoever writes the logs chooses: at most `max`
 * entries, each forgotten `idleMs` after it was last set, the least recently set going first when full.
 */
export class RecentMap<V> {
  // In the order they were last set (set re-inserts), so the idle and least recent ones come first.
  private readonly entries = new Map<string, { value: V; at: number }>();

  constructor(
    private readonly max: number,
    private readonly idleMs: number,
    private readonly now: () => number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    return entry && this.now() - entry.at <= this.idleMs ? entry.value : undefined;
  }

  set(key: string, value: V): void {
    const now = this.now();
    this.entries.delete(key);
    this.entries.set(key, { value, at: now });
    for (const [k, entry] of this.entries) {
      if (this.entries.size <= this.max && now - entry.at <= this.idleMs) break;
      this.entries.delete(k);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
