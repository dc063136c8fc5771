import { z } from 'zod';
import { text } from './common';
import { components, named } from './registry';
import { rfc3339, timestamp } from './time';

const seconds = z.number().nullable();

export const sloAttainment = named(
  'SloAttainment',
  "One SLO's figures over a period, from its generated recording rules (slo:sli_error:rate5m, slo:sli_total:rate5m, slo:objective:ratio)",
  z.strictObject({
    service: z.string(),
    slo: z.string(),
    /** The objective as a ratio: 0.999 for 99.9 %. */
    objective: z.number(),
    /** Bad events over all events of the period; null when there were no events. */
    error_ratio: z.number().nullable(),
    /** error_ratio / (1 - objective): 1 means the period used up exactly its share of the error budget. */
    budget_consumed: z.number().nullable(),
  }),
);
export type SloAttainment = z.output<typeof sloAttainment>;

export const sloSection = named(
  'SloSection',
  'SLO attainment per service, read from Prometheus; says why when it could not be',
  z.strictObject({
    /** not_configured: reports.prometheus is not set; unavailable: Prometheus could not be queried. */
    status: z.enum(['ok', 'unavailable', 'not_configured']),
    /** Why it is unavailable; null otherwise. */
    error: z.string().nullable(),
    objectives: z.array(sloAttainment),
  }),
);
export type SloSection = z.output<typeof sloSection>;

/** A figure of this period beside the previous one; delta is current - previous, null when either is. */
const change = z.strictObject({
  current: z.number().nullable(),
  previous: z.number().nullable(),
  delta: z.number().nullable(),
});
export type Change = z.output<typeof change>;

export const periodComparison = named(
  'PeriodComparison',
  'The report beside the period of the same length just before it',
  z.strictObject({
    previous_from: timestamp,
    previous_to: timestamp,
    incidents: change,
    mtta_seconds: change,
    mttr_seconds: change,
    sla: z.array(z.strictObject({ severity: z.string(), attainment: change })),
    /** Every SLO found in either period. */
    slo: z.array(z.strictObject({ service: z.string(), slo: z.string(), budget_consumed: change })),
  }),
);
export type PeriodComparison = z.output<typeof periodComparison>;

export const slaReport = named(
  'SlaReport',
  'Incident figures for incidents opened in [from, to)',
  z.strictObject({
    from: timestamp,
    to: timestamp,
    incidents: z.strictObject({
      total: z.number().int(),
      by_severity: z.record(z.string(), z.number().int()),
      by_service: z.record(z.string(), z.number().int()),
    }),
    mtta_seconds: seconds,
    mttr_seconds: seconds,
    sla: z.array(
      z.strictObject({
        severity: z.string(),
        ack_within_seconds: z.number(),
        incidents: z.number().int(),
        met: z.number().int(),
        attainment: z.number().nullable(),
      }),
    ),
    noisiest_alerts: z.array(
      z.strictObject({
        alertname: z.string(),
        service: z.string(),
        incidents: z.number().int(),
        occurrences: z.number().int(),
      }),
    ),
    by_day: z.array(
      z.strictObject({
        date: z.iso.date(),
        opened: z.number().int(),
        mtta_seconds: seconds,
        mttr_seconds: seconds,
      }),
    ),
    slo: sloSection,
    comparison: periodComparison,
  }),
);
export type SlaReport = z.output<typeof slaReport>;

export const slaQuery = z.strictObject({
  from: rfc3339.optional().register(components, { description: 'default: 7 days before to' }),
  to: rfc3339.optional().register(components, { description: 'default: now' }),
  team: text.optional(),
});
