import type { z } from 'zod';
import { ID_TEXT, MAX_ID } from '@vigil/api-contract';
import { fieldProblems, HttpError } from '@vigil/service-kit';

/** Validates a body or query against its contract schema; a failure is a 400 naming each bad field. */
export function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  // No body (or query) is an empty one; a body that is JSON null is refused as not an object.
  const result = schema.safeParse(value === undefined ? {} : value);
  if (result.success) return result.data;
  throw new HttpError(400, 'invalid_request', `invalid ${where}`, fieldProblems(result.error, where));
}

/**
 * A resource id in a path: the canonical decimal form only (`42`; not `042`, `0x2a`, `42.0`, `4.2e1`, `+42`
 * or ` 42`), else 404: one resource has one URL, and no other spelling may reach it.
 */
export function pathId(value: unknown, what: string): number {
  const text = typeof value === 'string' ? value : '';
  const id = ID_TEXT.test(text) ? Number(text) : NaN;
  if (!(id <= MAX_ID)) {
    throw new HttpError(404, 'not_found', `${what} ${JSON.stringify(text.slice(0, 40))} does not exist`);
  }
  return id;
}
