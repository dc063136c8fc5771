import cron from 'node-cron';
import { z } from 'zod';
import { duration, type ConfigProblem } from '@vigil/service-kit';
import { timeZone } from '../oncall/schema';

const name = z.string().min(1);

const slaTarget = z.strictObject({
  severity: name,
  acknowledge_within: duration.refine((ms) => ms > 0, 'must be longer than 0s'),
});

/** Five fields (minute hour day-of-month month day-of-week): reports are scheduled to the minute. */
const cronExpression = z.string().superRefine((text, ctx) => {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 5) {
    ctx.addIssue({
      code: 'custom',
      message: `"${text}" is not a cron expression of 5 fields (minute hour day month weekday), e.g. "0 8 * * 1"`,
    });
    return;
  }
  const { valid, errors } = cron.validateDetailed(text);
  if (!valid) {
    const why = errors.map((e) => `${e.field}: ${e.message}`).join(', ');
    ctx.addIssue({ code: 'custom', message: `invalid cron expression "${text}" (${why})` });
  }
});

const scheduleSchema = z.strictObject({
  name: name.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, "_", "." and "-" only'),
  cron: cronExpression,
  // The cron expression's zone, and the zone of the report's days; defaults to reports.timezone.
  timezone: timeZone.optional(),
  /** The report covers the `period` up to the scheduled time. */
  period: duration.refine((ms) => ms >= 60_000 && ms <= 366 * 86_400_000, 'must be between 1m and 366d'),
  /** Email channels of notifications.channels. */
  channels: z.array(name).min(1),
  /** Only this team's incidents; all teams without it. */
  team: name.optional(),
});

export const reportsSchema = z
  .strictObject({
    // The zone that splits GET /api/v1/reports/sla's by_day into days.
    timezone: timeZone.default('UTC'),
    sla: z
      .array(slaTarget)
      .default([
        { severity: 'critical', acknowledge_within: 15 * 60_000 },
        { severity: 'warning', acknowledge_within: 4 * 3_600_000 },
      ])
      .superRefine((targets, ctx) => {
        const seen = new Set<string>();
        targets.forEach((t, i) => {
          if (seen.has(t.severity))
            ctx.addIssue({
              code: 'custom',
              path: [i, 'severity'],
              message: `"${t.severity}" is listed twice`,
            });
          seen.add(t.severity);
        });
      }),
    schedules: z.array(scheduleSchema).default([]),
  })
  .superRefine((reports, ctx) => {
    const seen = new Set<string>();
    reports.schedules.forEach((s, i) => {
      if (seen.has(s.name))
        ctx.addIssue({
          code: 'custom',
          path: ['schedules', i, 'name'],
          message: `"${s.name}" is used twice`,
        });
      seen.add(s.name);
    });
  });

export type ReportsConfig = z.output<typeof reportsSchema>;
export type ReportSchedule = ReportsConfig['schedules'][number];
export type SlaTarget = ReportsConfig['sla'][number];

/** Schedules must mail through email channels that exist; each problem names its key path. */
export function reportChannelProblems(
  reports: ReportsConfig,
  channels: Readonly<Record<string, { kind: string }>>,
): ConfigProblem[] {
  return reports.schedules.flatMap((schedule, i) =>
    schedule.channels.flatMap((channel, j) => {
      const path = ['reports', 'schedules', i, 'channels', j];
      const found = channels[channel];
      if (!found) return [{ path, message: `no notification channel named "${channel}"` }];
      if (found.kind !== 'email')
        return [{ path, message: `"${channel}" is a ${found.kind} channel; reports go by email` }];
      return [];
    }),
  );
}
