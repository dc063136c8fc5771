import { z } from 'zod';
import { fieldProblems, HttpError } from '@vigil/service-kit';

/** An RFC 3339 query parameter, normalised to the ISO form stored in the database. */
export const time = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be an RFC 3339 timestamp')
  .transform((s) => new Date(s).toISOString());

/** Validates a body or query; a failure is a 400 naming each bad field. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new HttpError(400, 'invalid_request', `invalid ${where}`, fieldProblems(result.error, where));
}
