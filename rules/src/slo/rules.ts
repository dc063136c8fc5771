import { runbookUrl } from '../paths';
import { parsePromql } from '../promql';
import { matchers, sliQueries } from './sli';
import type { Slo, SloSpec } from './spec';
import { TIERS, burnRateFactor, durationSeconds, errorBudget, ratioWindows, type Tier } from './windows';

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface AlertingRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: (RecordingRule | AlertingRule)[];
}

export const BURN_ALERT = { page: 'ErrorBudgetBurnPage', ticket: 'ErrorBudgetBurnTicket' } as const;
export const ABSENT_ALERT = 'SLOMetricsAbsent';
const SEVERITY = { page: 'critical', ticket: 'warning' } as const;
/** How long the SLI's series may be missing before the absent alert fires (covers a scrape blip). */
export const ABSENT_FOR = '10m';

export const errorRatioRecord = (window: string) => `slo:sli_error:ratio_rate${window}`;
export const errorRateRecord = (window: string) => `slo:sli_error:rate${window}`;
export const totalRateRecord = (window: string) => `slo:sli_total:rate${window}`;
/** The one window computed from the SLI's own series; every longer one is derived from its records. */
export const BASE_WINDOW = '5m';
export const BUDGET_REMAINING_RECORD = 'slo:error_budget_remaining:ratio';
export const OBJECTIVE_RECORD = 'slo:objective:ratio';

export function sloLabels(spec: SloSpec, slo: Slo): Record<string, string> {
  return { service: spec.service, slo: slo.name };
}

function burnAlert(spec: SloSpec, slo: Slo, tier: Tier): AlertingRule {
  const sel = `{${matchers(sloLabels(spec, slo))}}`;
  const factor = burnRateFactor(tier, spec.period);
  const threshold = `(${factor} * ${errorBudget(slo.objective)})`;
  const conditions = [
    `${errorRatioRecord(tier.longWindow)}${sel} > ${threshold}`,
    `${errorRatioRecord(tier.shortWindow)}${sel} > ${threshold}`,
  ];
  if (tier.action === 'page' && slo.min_events_to_page > 0) {
    conditions.push(
      `${totalRateRecord(tier.longWindow)}${sel} * ${durationSeconds(tier.longWindow)} >= ${slo.min_events_to_page}`,
    );
  }
  const spent = `${tier.budgetFraction * 100}% of the ${spec.period} error budget`;
  return {
    alert: BURN_ALERT[tier.action],
    expr: conditions.join('\nand\n'),
    for: tier.for,
    // service and slo also come with the series; stated here so each rule is distinct to promtool's lint.
    labels: {
      severity: SEVERITY[tier.action],
      team: spec.team,
      ...sloLabels(spec, slo),
      burnrate_tier: tier.name,
    },
    annotations: {
      summary: `${spec.service} ${slo.name} SLO is burning its error budget ${factor}x too fast`,
      description:
        `${slo.description} (objective ${slo.objective}% over ${spec.period}). Errors over the last ` +
        `${tier.longWindow} and ${tier.shortWindow} exceed ${factor}x the budgeted rate: ` +
        `at this pace ${spent} is gone within ${tier.longWindow}.`,
      runbook_url: runbookUrl(BURN_ALERT[tier.action]),
    },
  };
}

function absentAlert(spec: SloSpec, slo: Slo): AlertingRule {
  const { presence } = sliQueries(slo.sli);
  return {
    alert: ABSENT_ALERT,
    expr: `absent(${presence})`,
    for: ABSENT_FOR,
    labels: { severity: 'warning', team: spec.team, ...sloLabels(spec, slo) },
    annotations: {
      summary: `${spec.service} ${slo.name} SLO cannot be computed: its metrics are missing`,
      description:
        `No series match ${presence}, so the burn-rate alerts of this SLO cannot fire. ` +
        `Check that the target is scraped and still exports the metric.`,
      runbook_url: runbookUrl(ABSENT_ALERT),
    },
  };
}

/**
 * How the windows longer than BASE_WINDOW are computed. `derived` (what is generated): the sums over the
 * window of the recorded 5-minute error and total rates, so each evaluation reads one recorded series per
 * SLO rather than every raw series over up to 30 days, and every 5 minutes weighs by its traffic.
 * `raw`: rate() of the SLI's series over the whole window, as before; kept as `npm run bench:rules`'s baseline.
 */
export type LongWindows = 'derived' | 'raw';

function ratioRecords(spec: SloSpec, slo: Slo, longWindows: LongWindows): RecordingRule[] {
  const labels = sloLabels(spec, slo);
  const sel = `{${matchers(labels)}}`;
  const sli = sliQueries(slo.sli);
  const windows = [...ratioWindows(), spec.period];
  const guardedWindows = TIERS.filter((t) => t.action === 'page').map((t) => t.longWindow);
  if (longWindows === 'raw') {
    return [
      ...windows.map((w) => ({ record: errorRatioRecord(w), expr: sli.errorRatio(w), labels })),
      ...guardedWindows.map((w) => ({ record: totalRateRecord(w), expr: sli.totalRate(w), labels })),
    ];
  }
  const errors = `${errorRateRecord(BASE_WINDOW)}${sel}`;
  const total = `${totalRateRecord(BASE_WINDOW)}${sel}`;
  return [
    { record: errorRateRecord(BASE_WINDOW), expr: sli.errorRate(BASE_WINDOW), labels },
    { record: totalRateRecord(BASE_WINDOW), expr: sli.totalRate(BASE_WINDOW), labels },
    ...windows.map((w) => ({
      record: errorRatioRecord(w),
      expr:
        w === BASE_WINDOW
          ? `${errors}\n/\n${total}`
          : `sum_over_time(${errors}[${w}])\n/\nsum_over_time(${total}[${w}])`,
      labels,
    })),
    // Events per second over the window as rate() counts them: the recorded rates' sum, times the seconds
    // each sample stands for (5m over the samples in the last 5m), over the whole window. Not
    // avg_over_time: for series younger than the window it would extrapolate a few events to the whole
    // window and defeat the low-traffic guard. (Prometheus 2 counts both ends of a range, so at 15 s
    // this is ~5% under: the guard asks for slightly more events, never fewer.)
    ...guardedWindows.map((w) => ({
      record: totalRateRecord(w),
      expr: `sum_over_time(${total}[${w}]) / count_over_time(${total}[${BASE_WINDOW}]) * ${durationSeconds(BASE_WINDOW)} / ${durationSeconds(w)}`,
      labels,
    })),
  ];
}

/** Recording and alerting rules for one SLO, in one group so the records are fresh when alerts read them. */
export function sloRuleGroup(spec: SloSpec, slo: Slo, longWindows: LongWindows = 'derived'): RuleGroup {
  const labels = sloLabels(spec, slo);
  const sel = `{${matchers(labels)}}`;
  const records: RecordingRule[] = [
    ...ratioRecords(spec, slo, longWindows),
    { record: OBJECTIVE_RECORD, expr: `vector(${Number((slo.objective / 100).toFixed(10))})`, labels },
    {
      record: BUDGET_REMAINING_RECORD,
      expr: `1 - ${errorRatioRecord(spec.period)}${sel} / ${errorBudget(slo.objective)}`,
      labels,
    },
  ];
  const group = {
    name: `slo-${spec.service}-${slo.name}`,
    rules: [...records, ...TIERS.map((t) => burnAlert(spec, slo, t)), absentAlert(spec, slo)],
  };
  for (const rule of group.rules) {
    try {
      parsePromql(rule.expr);
    } catch (err) {
      const name = 'record' in rule ? rule.record : rule.alert;
      throw new Error(`SLO ${spec.service}/${slo.name}: generated rule ${name}: ${(err as Error).message}`);
    }
  }
  return group;
}

/** One file per SLO, so that each SLO's generated tests see only its own alerts. */
export function sloRuleFile(
  spec: SloSpec,
  slo: Slo,
  longWindows: LongWindows = 'derived',
): { groups: RuleGroup[] } {
  return { groups: [sloRuleGroup(spec, slo, longWindows)] };
}
