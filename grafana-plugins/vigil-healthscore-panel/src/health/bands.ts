import { getActiveThreshold, ThresholdsMode, type GrafanaTheme2, type ThresholdsConfig } from '@grafana/data';
import { MIXIN_HEALTH } from './mixin.generated';

/** The mixin's bands (rules/README.md): critical below 65, warning below 85, healthy from 85. */
export const DEFAULT_THRESHOLDS: ThresholdsConfig = {
  mode: ThresholdsMode.Absolute,
  steps: [
    { value: -Infinity, color: 'red' },
    { value: MIXIN_HEALTH.bands.critical, color: 'orange' },
    { value: MIXIN_HEALTH.bands.warning, color: 'green' },
  ],
};

/**
 * The colour of a score's band. Scores are 0-100, so percentage thresholds read the same as absolute
 * ones. An unknown score (no data, stale) gets the theme's neutral background.
 */
export function bandColor(
  theme: GrafanaTheme2,
  score: number | undefined,
  thresholds: ThresholdsConfig,
): string {
  if (score === undefined) return theme.colors.background.secondary;
  return theme.visualization.getColorByName(getActiveThreshold(score, thresholds.steps).color);
}
