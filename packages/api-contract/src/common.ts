import { z } from 'zod';
import { named } from './registry';

/**
 * Every error code the API answers with, and when. The body is always `{"error": {code, message, details}}`.
 */
export const ERROR_CODES = {
  invalid_request: 'a query parameter or body field is wrong; details name each one',
  invalid_json: 'the body is not JSON',
  invalid_payload: 'the webhook body is not an Alertmanager webhook payload (version 4)',
  invalid_utf8: 'the webhook body is not UTF-8',
  invalid_encoding: 'the body does not decompress as its Content-Encoding (gzip, deflate, br) says',
  bad_request: 'the request could not be read',
  unauthorized: 'no valid credentials (API token, or webhook credentials)',
  forbidden: "the token's role is below the one the operation needs",
  not_found: 'no such resource or endpoint',
  invalid_transition: "the incident's status does not allow this action",
  defined_in_config: 'the resource comes from the configuration file and cannot be changed through the API',
  too_large: 'the body is larger than the receiver accepts',
  unsupported_media_type: 'the body is not sent as application/json in UTF-8',
  unavailable: 'the database is busy or unreachable; retry (Retry-After says when)',
  not_ready: 'the receiver is not ready',
  reload_failed: 'the new configuration was refused; the old one stays in force',
  internal: 'an unexpected error; the log says more',
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;
export const errorCode = z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

/** One field's problem: `field` is its dotted path (`matchers.0`), or `(body)` for the whole body. */
export const fieldProblem = named(
  'FieldProblem',
  'What is wrong with one field',
  z.strictObject({ field: z.string(), message: z.string() }),
);

export const errorBody = named(
  'Error',
  'The one error body of every endpoint',
  z.strictObject({
    error: z.strictObject({
      code: errorCode,
      message: z.string(),
      details: z.array(z.unknown()),
    }),
  }),
);
export type ErrorBody = z.output<typeof errorBody>;

/** Label and annotation sets: names to values. */
export const labels = named(
  'Labels',
  'Label or annotation names to values',
  z.record(z.string(), z.string()),
);

/**
 * The largest id: PostgreSQL's ids are `integer` columns, and a larger number in a query is an error there
 * (a 500), where SQLite finds nothing; both answer it as not found or refused.
 */
export const MAX_ID = 2_147_483_647;

/** An id as a path or query parameter writes it: the canonical decimal form, at most MAX_ID's digits. */
export const ID_TEXT = /^[1-9][0-9]{0,9}$/;

/** A database id: a positive integer. */
export const id = z.number().int().positive().max(MAX_ID);

/** An id in a query parameter, `message` naming what it must be. */
export const idParam = (message: string) =>
  z
    .string()
    .regex(ID_TEXT, message)
    .transform(Number)
    .refine((n) => n <= MAX_ID, message);

/**
 * A text query parameter compared with stored text. NUL is refused: PostgreSQL takes no NUL in text and would
 * answer the query with an error (a 500), while SQLite would find nothing; both answer 400.
 */
export const text = z
  .string()
  .min(1)
  .refine((s) => !s.includes('\u0000'), 'must not hold a NUL character');

/** Text a person writes in a body: trimmed, bounded, no NUL (as `text`: PostgreSQL stores none). */
export const prose = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .refine((s) => !s.includes('\u0000'), 'must not hold a NUL character');

/** A comma-separated list in a query parameter (`status=triggered,acknowledged`). */
export const commaList = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(item));

/** An opaque cursor: the `next_cursor` of a previous page. */
export const cursor = idParam('must be a cursor returned by a previous page');

/**
 * A page size: 1 to `max`, default 50, written in decimal digits (Number() would also take `0x10`, `1e2`
 * and ` 5`).
 */
export const limit = (max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : v),
    z
      .number({ error: `must be a whole number from 1 to ${max}` })
      .int()
      .min(1)
      .max(max)
      .default(50),
  );

/** A list answered a page at a time: `next_cursor` fetches the next (older) page; null on the last. */
export const page = <T extends z.ZodType>(item: T) =>
  z.strictObject({ items: z.array(item), next_cursor: z.string().nullable() });
