import { z } from 'zod';

/** A regular expression, compiled at load so that a bad one refuses the config rather than every run. */
export const regexSchema = z.string().transform((text, ctx) => {
  try {
    return new RegExp(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
