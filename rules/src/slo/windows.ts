/**
 * Multi-window, multi-burn-rate alerting as in the SRE workbook (chapter 5, "Alerting on SLOs").
 *
 * Each tier alerts when the error budget is being spent fast enough to consume `budgetFraction` of the
 * whole period's budget within its long window; the short window (1/12 of the long one) makes the alert
 * stop soon after the burn does. The burn-rate factor follows from the period:
 *   factor = budgetFraction × period / longWindow
 * which gives the workbook's 14.4 / 6 / 3 / 1 for 30 days, and 13.44 / 5.6 / 2.8 / 0.933 for 28 days.
 */
export type Period = '28d' | '30d';

export interface Tier {
  /** Value of the burnrate_tier label: the long window, which names the tier unambiguously. */
  name: string;
  action: 'page' | 'ticket';
  longWindow: string;
  shortWindow: string;
  budgetFraction: number;
  /** How long the condition must hold; short, since the two windows already filter blips. */
  for: string;
}

export const TIERS: readonly Tier[] = [
  { name: '1h', action: 'page', longWindow: '1h', shortWindow: '5m', budgetFraction: 0.02, for: '2m' },
  { name: '6h', action: 'page', longWindow: '6h', shortWindow: '30m', budgetFraction: 0.05, for: '15m' },
  { name: '1d', action: 'ticket', longWindow: '1d', shortWindow: '2h', budgetFraction: 0.1, for: '1h' },
  { name: '3d', action: 'ticket', longWindow: '3d', shortWindow: '6h', budgetFraction: 0.1, for: '3h' },
];

const UNIT_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86400 };

export function durationSeconds(text: string): number {
  const match = /^(\d+)([mhd])$/.exec(text);
  if (!match) throw new Error(`unsupported duration "${text}"`);
  return Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
}

/** Rounded so that the factor prints as the workbook writes it (14.4, not 14.399999999999999). */
export function burnRateFactor(tier: Tier, period: Period): number {
  const factor = (tier.budgetFraction * durationSeconds(period)) / durationSeconds(tier.longWindow);
  return Number(factor.toFixed(4));
}

/** Every window an SLO needs an error ratio for, shortest first. */
export function ratioWindows(): string[] {
  const windows = new Set(TIERS.flatMap((t) => [t.shortWindow, t.longWindow]));
  return [...windows].sort((a, b) => durationSeconds(a) - durationSeconds(b));
}

/** Error budget as a ratio, rounded to drop float noise (1 - 0.999 is 0.0010000000000000009). */
export function errorBudget(objectivePercent: number): number {
  return Number((1 - objectivePercent / 100).toFixed(10));
}
