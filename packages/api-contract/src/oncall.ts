import { z } from 'zod';
import { rfc3339, timestamp } from './time';
import { named } from './registry';

export const shift = named(
  'Shift',
  'Who is on call from shift_start to shift_end',
  z.strictObject({
    user: z.string(),
    rotation: z.string().nullable(),
    override: z.boolean(),
    shift_start: timestamp,
    shift_end: timestamp,
  }),
);
export type Shift = z.output<typeof shift>;

export const onCallResponse = named(
  'OnCall',
  'Who is on call per schedule at `at`, and the next two shifts',
  z.strictObject({
    at: timestamp,
    schedules: z.array(z.strictObject({ name: z.string(), on_call: shift.nullable(), next: z.array(shift) })),
  }),
);
export type OnCallResponse = z.output<typeof onCallResponse>;

export const onCallQuery = z.strictObject({
  at: rfc3339.optional(),
  schedule: z.string().min(1).optional(),
});
