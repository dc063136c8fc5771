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
