import { z } from 'zod';
import { uniqueNames } from '@vigil/service-kit';
import type { Rotation } from './rotation';
import type { Override, Schedule } from './schedule';
import { canonicalTimeZone, utc, type LocalDate, type WallTime } from './zoned-time';

const name = z.string().min(1);

export const timeZone = z.string().transform((text, ctx) => {
  const zone = canonicalTimeZone(text);
  if (zone === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown time zone "${text}" (expected an IANA name, e.g. Europe/Berlin)`,
    });
    return z.NEVER;
  }
  return zone;
});

const localDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
  .transform((text, ctx): LocalDate => {
    const [year, month, day] = text.split('-').map(Number) as [number, number, number];
    // utc() rolls 2024-02-30 over into March: a date that does not come back unchanged does not exist.
    if (new Date(utc(year, month - 1, day)).toISOString().slice(0, 10) !== text) {
      ctx.addIssue({ code: 'custom', message: `no such date "${text}"` });
      return z.NEVER;
    }
    return { year, month, day };
  });

const wallTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a 24-hour time HH:MM, e.g. "09:00"')
  .transform((text): WallTime => ({ hour: Number(text.slice(0, 2)), minute: Number(text.slice(3)) }));

const instant = z.iso
  .datetime({
    offset: true,
    message: 'expected an RFC 3339 time with an offset, e.g. 2024-03-31T09:00:00+02:00',
  })
  .transform((text) => new Date(text));

const rotationSchema = z.strictObject({
  name,
  type: z.enum(['daily', 'weekly']),
  handoff: wallTime,
  time_zone: timeZone,
  /** The date of the first handoff; a weekly rotation hands off on this weekday. */
  start: localDate,
  participants: z.array(name).min(1),
}) satisfies z.ZodType<Rotation, unknown>;

const overrideSchema = z
  .strictObject({ user: name, from: instant, to: instant })
  .refine((o) => o.from < o.to, {
    path: ['to'],
    message: 'must be later than from',
    // Only once both times were read: a bad `from` is reported as such, not as also being too late.
    when: (payload) => payload.issues.length === 0,
  }) satisfies z.ZodType<Override, unknown>;

export const scheduleSchema = z.strictObject({
  name,
  rotations: z.array(rotationSchema).min(1).superRefine(uniqueNames('rotation')),
  overrides: z.array(overrideSchema).default([]),
}) satisfies z.ZodType<Schedule, unknown>;

/** The list of on-call schedules, each known by a unique name. */
export const schedulesSchema = z.array(scheduleSchema).superRefine(uniqueNames('schedule'));
