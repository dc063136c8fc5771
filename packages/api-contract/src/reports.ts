import { z } from 'zod';
import { text } from './common';
import { components, named } from './registry';
import { rfc3339, timestamp } from './time';

const seconds = z.number().nullable();

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
  }),
);
export type SlaReport = z.output<typeof slaReport>;

export const slaQuery = z.strictObject({
  from: rfc3339.optional().register(components, { description: 'default: 7 days before to' }),
  to: rfc3339.optional().register(components, { description: 'default: now' }),
  team: text.optional(),
});
