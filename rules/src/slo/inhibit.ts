import { TIERS } from './windows';

export interface InhibitRule {
  source_matchers: string[];
  target_matchers: string[];
  equal: string[];
}

/**
 * While a faster tier of an SLO fires, its slower tiers say nothing new: each tier silences every
 * slower one of the same service and SLO, so one burn notifies once, on the most urgent tier.
 */
export function inhibitRules(): InhibitRule[] {
  return TIERS.slice(0, -1).map((tier, i) => ({
    source_matchers: [`burnrate_tier="${tier.name}"`],
    target_matchers: [
      `burnrate_tier=~"${TIERS.slice(i + 1)
        .map((t) => t.name)
        .join('|')}"`,
    ],
    equal: ['service', 'slo'],
  }));
}
