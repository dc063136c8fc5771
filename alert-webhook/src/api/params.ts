import { z } from 'zod';
import { fieldProblems, HttpError } from '@vigil/service-kit';
import { rfc3339 } from '../webhook/time';

/** An RFC 3339 time (years 0001–9999), normalised to the form stored in the database. */
export const time = rfc3339;

/** Validates a body or query; a failure is a 400 naming each bad field. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new HttpError(400, 'invalid_request', `invalid ${where}`, fieldProblems(result.error, where));
}
