import { z } from 'zod';
import { fieldProblems, HttpError } from '@vigil/service-kit';
import { rfc3339 } from '../webhook/time';

/** An RFC 3339 time (years 0001–9999), normalised to the form stored in the database. */
export const time = rfc3339;

/**
 * A query parameter compared with stored text. NUL is refused: PostgreSQL takes no NUL in text and would
 * answer the query with an error (a 500), while SQLite would find nothing; both now answer 400.
 */
export const text = z
  .string()
  .min(1)
  .refine((s) => !s.includes('\u0000'), 'must not hold a NUL character');

/** Validates a body or query; a failure is a 400 naming each bad field. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new HttpError(400, 'invalid_request', `invalid ${where}`, fieldProblems(result.error, where));
}

/**
 * A resource id in a path: the canonical decimal form only (`42`; not `042`, `0x2a`, `42.0`, `4.2e1`, `+42`
 * or ` 42`), else 404: one resource has one URL, and no other spelling may reach it.
 */
export function pathId(value: unknown, what: string): number {
  const text = typeof value === 'string' ? value : '';
  const id = /^[1-9][0-9]{0,15}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(id)) {
    throw new HttpError(404, 'not_found', `${what} ${JSON.stringify(text.slice(0, 40))} does not exist`);
  }
  return id;
}
