import { z } from 'zod';
import { role } from './roles';
import { named } from './registry';

export const caller = named(
  'Caller',
  "The calling token's name and role",
  z.strictObject({ name: z.string(), role }),
);
export type Caller = z.output<typeof caller>;
