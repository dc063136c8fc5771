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
