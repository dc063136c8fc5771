import { Counter, type Gauge, type Histogram } from 'prom-client';
import { LabelValueLimiter } from './limiter';

type Metric = Counter<string> | Gauge<string> | Histogram<string>;
type Child<M extends Metric> = ReturnType<M['labels']>;

/**
 * Counts the label values that a cap turned into "other"; shared by every capped metric, and kept across
 * reloads (each configuration's registry registers it).
 */
export function createOverflowCounter() {
  return new Counter({
    name: 'logexporter_label_overflow_total',
    help: 'Label values replaced by "other" because the metric\'s label already had its maximum of distinct values.',
    labelNames: ['metric', 'label'],
    registers: [],
  });
}

/**
 * A prom-client metric whose label values are capped per label (Infinity = not capped, for labels with
 * values from the config), with its children cached: looking a child up by label values is the per-line
 * hot path.
 */
export class CappedMetric<M extends Metric> {
  private readonly limiters: (LabelValueLimiter | undefined)[];
  private readonly children = new Map<string, Child<M>>();

  constructor(
    readonly metric: M,
    private readonly name: string,
    private readonly labels: { name: string; max: number }[],
    private readonly overflow: Counter<string>,
  ) {
    this.limiters = labels.map((l) =>
      Number.isFinite(l.max)
        ? new LabelValueLimiter(l.max, () => overflow.inc({ metric: name, label: l.name }))
        : undefined,
    );
  }

  /** Removes this metric's series from the overflow counter: the metric is gone (a reload dropped it). */
  dropOverflow(): void {
    for (const l of this.labels)
      if (Number.isFinite(l.max)) this.overflow.remove({ metric: this.name, label: l.name });
  }

  child(values: string[]): Child<M> {
    for (let i = 0; i < values.length; i++) {
      const limiter = this.limiters[i];
      if (limiter) values[i] = limiter.admit(values[i] as string);
    }
    const key = values.join('\u0000');
    let child = this.children.get(key);
    if (!child) {
      child = this.metric.labels(...values) as Child<M>;
      this.children.set(key, child);
    }
    return child;
  }
}
