import { MIXIN_PANEL_QUERIES } from '../../vigil-healthscore-panel/src/health/mixin.generated';
import type { RangeQuery } from './prometheus';

/** The panel's queries, as on the Platform overview dashboard (rules/src/mixin/health.ts). */
export const PANEL_QUERIES: RangeQuery[] = MIXIN_PANEL_QUERIES.map((q) => ({ ...q }));
