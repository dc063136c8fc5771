/** data-testid values, shared by the components, their tests, the browser harness and the benchmark. */
export const testIds = {
  panel: 'vigil-healthscore-panel',
  empty: 'vigil-healthscore-empty',
  problems: 'vigil-healthscore-problems',
  grid: 'vigil-healthscore-grid',
  tile: 'vigil-healthscore-tile',
  sparkline: 'vigil-healthscore-sparkline',
  details: 'vigil-healthscore-details',
  breakdown: 'vigil-healthscore-breakdown',
  drilldown: 'vigil-healthscore-drilldown',
} as const;
