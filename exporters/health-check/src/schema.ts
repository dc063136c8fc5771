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

/** A regular expression, compiled at load so that a bad one refuses the config rather than every run. */
export const regexSchema = z.string().transform((text, ctx) => {
  try {
    return new RegExp(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
