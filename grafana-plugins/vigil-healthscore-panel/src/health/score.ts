import { DEFAULT_OPTIONS, SIGNALS, type HealthScoreOptions, type Signal, type SignalOptions } from '../types';

/** A signal's value as a 0-1 score (see SignalOptions); undefined for NaN, infinities or good === bad. */
export function signalScore(
  value: number,
  { good, bad }: Pick<SignalOptions, 'good' | 'bad'>,
): number | undefined {
  if (!Number.isFinite(value) || good === bad) return undefined;
  return Math.min(1, Math.max(0, (value - bad) / (good - bad)));
}

/**
 * The 0-100 health score: the weighted mean of the signal scores a service has, as the recording rule
 * computes it (a signal that is missing or weighted 0 does not count). Undefined when none counts.
 */
export function healthScore(
  scores: Partial<Record<Signal, number>>,
  signals: Record<Signal, Pick<SignalOptions, 'weight'>>,
): number | undefined {
  let weighted = 0;
  let weights = 0;
  for (const signal of SIGNALS) {
    const score = scores[signal];
    const { weight } = signals[signal];
    if (score === undefined || !(weight > 0)) continue;
    weighted += weight * score;
    weights += weight;
  }
  return weights > 0 ? (100 * weighted) / weights : undefined;
}

/** What is wrong with the options, each naming its option path; empty when nothing is. */
export function optionProblems(options: HealthScoreOptions): string[] {
  const problems: string[] = [];
  if (!options.serviceLabel.trim()) problems.push('serviceLabel: must name a label');
  if (!(options.staleAfterSeconds > 0)) problems.push('staleAfterSeconds: must be a positive number');
  if (!(options.minTileWidth > 0))
    problems.push(`minTileWidth: must be a positive number; ${DEFAULT_OPTIONS.minTileWidth} meanwhile`);
  for (const signal of SIGNALS) {
    const { weight, good, bad } = options.signals[signal];
    if (!(weight >= 0)) problems.push(`signals.${signal}.weight: must be 0 or more, not ${weight}`);
    if (!Number.isFinite(good)) problems.push(`signals.${signal}.good: must be a number`);
    if (!Number.isFinite(bad)) problems.push(`signals.${signal}.bad: must be a number`);
    if (good === bad)
      problems.push(`signals.${signal}: good and bad are both ${good}, so nothing can be scored`);
  }
  if (options.scoreSource === 'computed' && SIGNALS.every((s) => !(options.signals[s].weight > 0)))
    problems.push('signals: every weight is 0, so no score can be computed');
  return problems;
}
