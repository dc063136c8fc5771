import type { Slo, SloSpec } from './spec';
import {
  ABSENT_ALERT,
  ABSENT_FOR,
  BUDGET_REMAINING_RECORD,
  BASE_WINDOW,
  BURN_ALERT,
  sloLabels,
  sloRuleGroup,
  type AlertingRule,
} from './rules';
import { absentLabels, matchers, sliQueries } from './sli';
import { TIERS, burnRateFactor, durationSeconds, errorBudget, type Tier } from './windows';

interface InputSeries {
  series: string;
  values: string;
}
interface ExpectedAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}
interface AlertTest {
  eval_time: string;
  alertname: string;
  exp_alerts: ExpectedAlert[];
}
interface ExprTest {
  expr: string;
  eval_time: string;
  exp_samples: { labels: string; value: number }[];
}
export interface TestGroup {
  name: string;
  interval: string;
  input_series: InputSeries[];
  alert_rule_test?: AlertTest[];
  promql_expr_test?: ExprTest[];
}

/**
 * Events per minute in the synthetic traffic: high enough that whole error counts sit close to any burn
 * rate, so at least a hundred errors a minute at a burn of 1 (100,000 up to an objective of 99.9), and
 * that an hour holds twice min_events_to_page, so the page tiers' guard is met even at window edges.
 */
const eventsPerMinute = (slo: Slo) =>
  Math.max(
    100_000,
    Math.ceil(100 / errorBudget(slo.objective)),
    Math.ceil((slo.min_events_to_page / 60) * 2),
  );
/** How many times the budgeted rate the burn runs at before it stops: about twice the fastest factor. */
const STOP_BURN = 30;
/** Pending time of a burn alert plus a few evaluations of slack for window edges. */
const SLACK_MINUTES = 3;

/** A phase of synthetic traffic, per minute; a phase without traffic leaves a gap in the series. */
interface Phase {
  minutes: number;
  total?: number;
  errors?: number;
}

/** promtool's expanding notation for a counter over consecutive phases, one sample a minute from 0. */
function counterValues(phases: Phase[], perMinute: (p: Phase) => number | undefined): string {
  let value = 0;
  let first = true;
  return phases
    .map((phase) => {
      const step = perMinute(phase);
      if (step === undefined) return `_x${phase.minutes}`;
      // The first phase also holds the sample at time 0.
      const start = first ? 0 : value + step;
      const count = first ? phase.minutes : phase.minutes - 1;
      first = false;
      value = start + step * count;
      return `${start}+${step}x${count}`;
    })
    .join(' ');
}

function inputSeries(slo: Slo, phases: Phase[]): InputSeries[] {
  const total = (p: Phase) => p.total;
  const good = (p: Phase) => (p.total === undefined ? undefined : p.total - (p.errors ?? 0));
  const bad = (p: Phase) => (p.total === undefined ? undefined : (p.errors ?? 0));
  const sli = slo.sli;
  if (sli.kind === 'bool_gauge') {
    // One sample a minute holding the phase's share of good events: the indicator averages the samples,
    // so a gauge at 0.99 reads as 1% errors just as 99 ones and a zero would (see the 0/1 group below).
    const share = (p: Phase) =>
      p.total === undefined ? `_x${p.minutes}` : `${1 - (p.errors ?? 0) / p.total}x${p.minutes}`;
    return [{ series: sli.test_series, values: phases.map(share).join(' ') }];
  }
  if (sli.kind === 'events') {
    return [
      { series: sli.test_series.good, values: counterValues(phases, good) },
      { series: sli.test_series.bad, values: counterValues(phases, bad) },
    ];
  }
  const bucket = (le: string) => `${sli.histogram}_bucket{${matchers({ ...sli.labels, le })}}`;
  return [
    { series: bucket(String(sli.threshold_seconds)), values: counterValues(phases, good) },
    { series: bucket('+Inf'), values: counterValues(phases, total) },
    { series: `${sli.histogram}_count{${matchers(sli.labels)}}`, values: counterValues(phases, total) },
  ];
}

/** The smallest whole number of errors per minute that burns faster than `factor`. */
function errorsAbove(factor: number, slo: Slo): number {
  return Math.floor(Number((factor * errorBudget(slo.objective) * eventsPerMinute(slo)).toFixed(6))) + 1;
}

const minutes = (n: number) => `${n}m`;

export function sloTestGroups(spec: SloSpec, slo: Slo): TestGroup[] {
  const rules = sloRuleGroup(spec, slo).rules.filter((r): r is AlertingRule => 'alert' in r);
  const burnRule = (tier: Tier) =>
    rules.find(
      (r) => r.alert === BURN_ALERT[tier.action] && r.labels.burnrate_tier === tier.name,
    ) as AlertingRule;
  const burnAlert = (tier: Tier): ExpectedAlert => {
    const rule = burnRule(tier);
    return { exp_labels: rule.labels, exp_annotations: rule.annotations };
  };
  const [fast, slowPage, slowTicket, slowestTicket] = TIERS as [Tier, Tier, Tier, Tier];
  const id = `${spec.service} ${slo.name}`;
  const R = eventsPerMinute(slo);
  const budget = errorBudget(slo.objective);
  const groups: TestGroup[] = [];

  // A sustained burn just over the fast tier's factor, after healthy traffic, crosses the 1h threshold
  // after about an hour (the workbook's detection time) and pages on the fast tier only: two healthy
  // hours keep the 6h window's ratio below its own threshold until well after that.
  const fastErrors = errorsAbove(burnRateFactor(fast, spec.period), slo);
  const detectionMinutes =
    (durationSeconds(fast.longWindow) / 60) *
    (burnRateFactor(fast, spec.period) / (fastErrors / (R * budget)));
  const healthy = (2 * durationSeconds(fast.longWindow)) / 60;
  // The long windows sum recorded 5-minute rates, which ramp up over their first 5 minutes: the burn shows
  // in full half a base window late.
  const ramp = durationSeconds(BASE_WINDOW) / 60 / 2;
  const pageBy =
    healthy + Math.ceil(detectionMinutes + ramp) + durationSeconds(fast.for) / 60 + SLACK_MINUTES;
  // A bool gauge's events are its samples, here one a minute: how many an hour the guard reads depends on
  // how the 5m ranges fall on them (45 to 61 by Prometheus version), so the test asserts a page only well
  // below that, silence only well above, and near it neither.
  const samplesPerWindow = durationSeconds(fast.longWindow) / 60;
  const gauge = slo.sli.kind === 'bool_gauge';
  const fastPages = !gauge || slo.min_events_to_page <= samplesPerWindow * (5 / 6) - 5;
  const decided = fastPages || slo.min_events_to_page > samplesPerWindow + 5;
  groups.push({
    name: fastPages
      ? `${id}: a ${burnRateFactor(fast, spec.period)}x burn pages within the detection time`
      : decided
        ? `${id}: a ${burnRateFactor(fast, spec.period)}x burn over one-a-minute samples, fewer than min_events_to_page (${slo.min_events_to_page}), does not page`
        : `${id}: a ${burnRateFactor(fast, spec.period)}x burn over one-a-minute samples does not page before the detection time`,
    interval: '1m',
    input_series: inputSeries(slo, [
      { minutes: healthy, total: R, errors: 0 },
      { minutes: pageBy - healthy + 10, total: R, errors: fastErrors },
    ]),
    alert_rule_test: [
      { eval_time: minutes(healthy), alertname: BURN_ALERT.page, exp_alerts: [] },
      {
        eval_time: minutes(healthy + Math.floor(detectionMinutes) - SLACK_MINUTES),
        alertname: BURN_ALERT.page,
        exp_alerts: [],
      },
      ...(decided
        ? [
            {
              eval_time: minutes(pageBy),
              alertname: BURN_ALERT.page,
              exp_alerts: fastPages ? [burnAlert(fast)] : [],
            },
          ]
        : []),
    ],
  });

  // Half the budgeted error rate, for longer than any pending time: nothing fires, half the budget is left.
  // (A constant ratio reads the same in every window, so a longer run would test nothing more.)
  const steady = 360;
  groups.push({
    name: `${id}: a 0.5x burn never fires`,
    interval: '1m',
    input_series: inputSeries(slo, [{ minutes: steady, total: R, errors: 0.5 * budget * R }]),
    alert_rule_test: [60, steady].flatMap((t) =>
      [BURN_ALERT.page, BURN_ALERT.ticket, ABSENT_ALERT].map((alertname) => ({
        eval_time: minutes(t),
        alertname,
        exp_alerts: [],
      })),
    ),
    promql_expr_test: [
      {
        expr: `round(${BUDGET_REMAINING_RECORD}, 0.01)`,
        eval_time: minutes(steady),
        exp_samples: [{ labels: `{${matchers(sloLabels(spec, slo))}}`, value: 0.5 }],
      },
    ],
  });

  // Just over the 6h tier's factor, under the fast one's: a page on the 6h tier only, once its pending time
  // is over. Judged after a whole fast window, so that a bool gauge's one-a-minute samples meet the guard.
  if (fastPages) {
    const slowBy = samplesPerWindow + durationSeconds(slowPage.for) / 60 + SLACK_MINUTES;
    groups.push({
      name: `${id}: a ${burnRateFactor(slowPage, spec.period)}x burn pages on the ${slowPage.name} tier only`,
      interval: '1m',
      input_series: inputSeries(slo, [
        {
          minutes: slowBy + 10,
          total: R,
          errors: errorsAbove(burnRateFactor(slowPage, spec.period), slo),
        },
      ]),
      alert_rule_test: [
        {
          eval_time: minutes(durationSeconds(slowPage.for) / 60 - 5),
          alertname: BURN_ALERT.page,
          exp_alerts: [],
        },
        { eval_time: minutes(slowBy), alertname: BURN_ALERT.page, exp_alerts: [burnAlert(slowPage)] },
      ],
    });
  }

  // Each ticket tier fires just over its own factor, once its pending time is over: just over the 1d tier's,
  // both do; just over the 3d tier's, only the 3d tier. No page in either.
  const ticketEnd = durationSeconds(slowestTicket.for) / 60 + 10;
  const slowFactor = burnRateFactor(slowTicket, spec.period);
  const slowestFactor = burnRateFactor(slowestTicket, spec.period);
  const ticketBurns = [
    {
      burn: `just over the ${slowTicket.name} tier's ${slowFactor}x`,
      errors: errorsAbove(slowFactor, slo),
      tickets: [slowTicket, slowestTicket],
    },
    {
      burn: `just over the ${slowestTicket.name} tier's ${slowestFactor}x`,
      errors: errorsAbove(slowestFactor, slo),
      tickets: [slowestTicket],
    },
  ];
  for (const { burn, errors, tickets } of ticketBurns) {
    groups.push({
      name: `${id}: a burn ${burn} opens tickets on ${tickets.map((t) => t.name).join(' and ')}, no page`,
      interval: '1m',
      input_series: inputSeries(slo, [{ minutes: ticketEnd, total: R, errors }]),
      alert_rule_test: [
        { eval_time: '30m', alertname: BURN_ALERT.ticket, exp_alerts: [] },
        { eval_time: minutes(ticketEnd), alertname: BURN_ALERT.ticket, exp_alerts: tickets.map(burnAlert) },
        { eval_time: minutes(ticketEnd), alertname: BURN_ALERT.page, exp_alerts: [] },
      ],
    });
  }

  // A burn far over every factor, long enough for every tier to fire, then no errors: each tier's alert
  // ends once its short window has emptied (plus the ramp), while its long window still reads well over
  // the factor (the 1h tier's for half an hour more, the 3d tier's for days). The page tiers only where
  // the guard lets them fire (as above).
  const stopped = TIERS.filter((t) => t.action === 'ticket' || fastPages);
  const burnFor =
    Math.max(...stopped.map((t) => durationSeconds(t.for) / 60)) + Math.ceil(ramp) + SLACK_MINUTES;
  const resolvedBy = (t: Tier) =>
    burnFor + durationSeconds(t.shortWindow) / 60 + Math.ceil(ramp) + SLACK_MINUTES;
  const alertsOf = (t: Tier, state?: { alertstate: string }) =>
    `ALERTS{${matchers({ alertname: BURN_ALERT[t.action], ...burnRule(t).labels, ...state })}}`;
  groups.push({
    name: `${id}: a ${STOP_BURN}x burn that stops ends each tier's alert within its short window`,
    interval: '1m',
    input_series: inputSeries(slo, [
      // Capped at every event failing, for objectives under 100 - 100 / STOP_BURN.
      { minutes: burnFor, total: R, errors: Math.min(R, errorsAbove(STOP_BURN, slo)) },
      { minutes: Math.max(...stopped.map(resolvedBy)) - burnFor + 10, total: R, errors: 0 },
    ]),
    promql_expr_test: stopped.flatMap((t) => [
      {
        expr: alertsOf(t),
        eval_time: minutes(burnFor),
        exp_samples: [{ labels: alertsOf(t, { alertstate: 'firing' }), value: 1 }],
      },
      { expr: alertsOf(t), eval_time: minutes(resolvedBy(t)), exp_samples: [] },
    ]),
  });

  // Every request failing, but one a minute: too few events to page on until the guard is met. The guard
  // counts the fast tier's long window, so more than that window of such traffic tests nothing more (and a
  // guard in the thousands would have promtool load too many samples).
  if (slo.min_events_to_page >= 20) {
    const quiet = Math.min(slo.min_events_to_page - 10, samplesPerWindow + 10);
    groups.push({
      name: `${id}: all errors at low traffic do not page below ${slo.min_events_to_page} events`,
      interval: '1m',
      input_series: inputSeries(slo, [{ minutes: quiet, total: 1, errors: 1 }]),
      alert_rule_test: [{ eval_time: minutes(quiet), alertname: BURN_ALERT.page, exp_alerts: [] }],
    });
  }

  // A bool gauge that drops from 1 to 0 (a probe failing outright) pages on the fast tier within minutes.
  // Only where the 1h window holds enough one-a-minute samples for the guard, and the page comes before
  // the 6h tier's pending time is over (objectives above about 99.1%).
  const fastThreshold = burnRateFactor(fast, spec.period) * budget;
  const downBy =
    Math.ceil((fastThreshold * durationSeconds(fast.longWindow)) / 60 + ramp) +
    durationSeconds(fast.for) / 60 +
    SLACK_MINUTES;
  const sli = slo.sli;
  if (sli.kind === 'bool_gauge' && fastPages && downBy < durationSeconds((TIERS[1] as Tier).for) / 60) {
    groups.push({
      name: `${id}: the gauge at 0 pages on the ${fast.name} tier`,
      interval: '1m',
      input_series: [{ series: sli.test_series, values: `1x${healthy} 0x${downBy + 10}` }],
      alert_rule_test: [
        { eval_time: minutes(healthy), alertname: BURN_ALERT.page, exp_alerts: [] },
        { eval_time: minutes(healthy + downBy), alertname: BURN_ALERT.page, exp_alerts: [burnAlert(fast)] },
      ],
    });
  }

  // The series stop (target gone or metric renamed): after the 5m lookback and the pending time, alert.
  const presentFor = 60;
  const absentBy = presentFor + 5 + durationSeconds(ABSENT_FOR) / 60 + SLACK_MINUTES;
  const absentRule = rules.find((r) => r.alert === ABSENT_ALERT) as AlertingRule;
  groups.push({
    name: `${id}: a gap in the SLI metrics fires ${ABSENT_ALERT}`,
    interval: '1m',
    input_series: inputSeries(slo, [
      { minutes: presentFor, total: R, errors: 0 },
      { minutes: absentBy - presentFor + 10 },
    ]),
    alert_rule_test: [
      { eval_time: minutes(presentFor), alertname: ABSENT_ALERT, exp_alerts: [] },
      {
        eval_time: minutes(absentBy),
        alertname: ABSENT_ALERT,
        exp_alerts: [
          {
            exp_labels: { ...absentLabels(sliQueries(slo.sli).presence), ...absentRule.labels },
            exp_annotations: absentRule.annotations,
          },
        ],
      },
    ],
  });
  return groups;
}

export function sloTestFile(spec: SloSpec, slo: Slo, ruleFile: string) {
  return { rule_files: [ruleFile], evaluation_interval: '1m', tests: sloTestGroups(spec, slo) };
}
