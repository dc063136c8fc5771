import { join } from 'node:path';
import { MIXIN } from './mixin/config';

/** The rules/ folder, whether running from src/ (jest) or dist/src/ (compiled). */
export const RULES_ROOT = join(__dirname, __dirname.includes(`${join('dist', 'src')}`) ? '../..' : '..');

export const SPECS_DIR = join(RULES_ROOT, 'slo', 'specs');
export const GENERATED_DIR = join(RULES_ROOT, 'generated');
export const HANDWRITTEN_DIR = join(RULES_ROOT, 'prometheus');
export const RUNBOOKS_DIR = join(RULES_ROOT, 'runbooks');

/** Generated from the mixin config outside generated/, where the harness and the panel read them. */
export const HEALTH_SCORE_RULES = join(HANDWRITTEN_DIR, 'health-score.rules.yml');
export const PANEL_DEFAULTS = join(
  RULES_ROOT,
  '..',
  'grafana-plugins/vigil-healthscore-panel/src/health/mixin.generated.ts',
);

/** Runbooks live in this repository; alerts link to them where the mixin config says they are served. */
export function runbookUrl(alert: string): string {
  return `${MIXIN.runbooks.baseUrl}${alert}.md`;
}
