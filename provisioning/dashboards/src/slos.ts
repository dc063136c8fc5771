import {
  UID,
  barGaugePanel,
  build,
  row,
  statPanel,
  tablePanel,
  timeseriesPanel,
  variable,
  vigilDashboard,
} from './common';

const S = 'service=~"$service"';
const LEGEND = '{{service}} / {{slo}}';

/**
 * The burn-rate tiers of rules/README.md (SRE workbook): each pages or opens a ticket when both its
 * windows burn faster than its factor. The factors drawn are those of a 30d period.
 */
const TIERS = [
  { long: '1h', short: '5m', factor: 14.4, action: 'page' },
  { long: '6h', short: '30m', factor: 6, action: 'page' },
  { long: '1d', short: '2h', factor: 3, action: 'ticket' },
  { long: '3d', short: '6h', factor: 1, action: 'ticket' },
];

/** How many times faster than the budget allows errors came over the window. */
const burnRate = (window: string) =>
  `slo:sli_error:ratio_rate${window}{${S}} / on (service, slo) (1 - slo:objective:ratio{${S}})`;

/** The SLOs generated from rules/slo/specs: what is left of each error budget and how fast it burns. */
export function slosDashboard() {
  const dashboard = vigilDashboard({
    uid: UID.slos,
    title: 'Vigil / SLOs',
    description: 'Error budget remaining and burn rates of every SLO generated from rules/slo/specs.',
    range: '7d',
  })
    .withVariable(
      variable({
        name: 'service',
        label: 'Service',
        query: 'label_values(slo:objective:ratio, service)',
        multi: true,
      }),
    )
    .withRow(row('Error budgets'))
    .withPanel(
      barGaugePanel('Error budget remaining', {
        description: 'Over the SLO period: 100% untouched, 0% spent, below 0 overspent.',
        queries: [{ expr: `sort(slo:error_budget_remaining:ratio{${S}})`, legend: LEGEND, instant: true }],
        unit: 'percentunit',
        max: 1,
        thresholds: [
          ['red', null],
          ['orange', 0.25],
          ['green', 0.5],
        ],
        width: 10,
        height: 8,
      }),
    )
    .withPanel(
      statPanel('Objective', {
        queries: [{ expr: `slo:objective:ratio{${S}}`, legend: LEGEND, instant: true }],
        unit: 'percentunit',
        decimals: 2,
        width: 7,
        height: 8,
      }),
    )
    .withPanel(
      statPanel('Good events over the period', {
        description: 'Share of good events over the SLO period (28d or 30d, as its spec says).',
        queries: [
          {
            expr: `1 - (slo:sli_error:ratio_rate30d{${S}} or slo:sli_error:ratio_rate28d{${S}})`,
            legend: LEGEND,
            instant: true,
          },
        ],
        unit: 'percentunit',
        decimals: 3,
        width: 7,
        height: 8,
      }),
    )
    .withPanel(
      timeseriesPanel('Error budget remaining over time', {
        queries: [{ expr: `slo:error_budget_remaining:ratio{${S}}`, legend: LEGEND }],
        unit: 'percentunit',
        max: 1,
        thresholds: [
          ['red', null],
          ['green', 0],
        ],
        thresholdLines: true,
        width: 16,
      }),
    )
    .withPanel(
      tablePanel('Burn-rate alerts firing', {
        queries: [
          {
            expr: `ALERTS{alertname=~"ErrorBudgetBurn.*|SLOMetricsAbsent", alertstate="firing", ${S}}`,
          },
        ],
        hide: ['alertstate', 'job', 'instance'],
        width: 8,
      }),
    )
    .withRow(row('Burn rates'));
  for (const tier of TIERS)
    dashboard.withPanel(
      timeseriesPanel(`Burn rate over ${tier.long} and ${tier.short}`, {
        description: `Errors over the window as a multiple of the budgeted rate; both windows above ${tier.factor}x make a ${tier.action}.`,
        queries: [
          { expr: burnRate(tier.long), legend: `${LEGEND} ${tier.long}` },
          { expr: burnRate(tier.short), legend: `${LEGEND} ${tier.short}` },
        ],
        min: 0,
        thresholds: [
          ['green', null],
          [tier.action === 'page' ? 'red' : 'orange', tier.factor],
        ],
        thresholdLines: true,
        width: 12,
      }),
    );
  return build(dashboard);
}
