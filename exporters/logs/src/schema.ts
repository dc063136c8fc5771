import { z } from 'zod';
import { parseDuration } from './duration';

/** A Prometheus-style duration ("30s", "1m30s"), in milliseconds once parsed. */
export const durationSchema = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms === 0) {
    ctx.addIssue({ code: 'custom', message: `invalid duration "${text}" (expected e.g. 500ms, 30s, 5m)` });
    return z.NEVER;
  }
  return ms;
});

/** A regular expression, compiled at load so that a bad one refuses the config rather than every line. */
export const regexSchema = z.string().transform((text, ctx) => {
  try {
    return new RegExp(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** Prometheus metric and label names. */
export const metricName = z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'not a valid Prometheus name');
export const labelName = z
  .string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'not a valid Prometheus label name')
  .refine((n) => !n.startsWith('__'), 'names starting with "__" are reserved');
