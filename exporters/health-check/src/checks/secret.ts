import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * A password or other secret, given (as alert-webhook's are) by the name of an environment variable or a
 * file holding it, never inline. Read at load, so a missing one refuses the config with its key path.
 */
export const secret = z
  .strictObject({ env: z.string().min(1).optional(), file: z.string().min(1).optional() })
  .refine((s) => (s.env === undefined) !== (s.file === undefined), 'set exactly one of env or file')
  .transform((ref, ctx) => {
    if (ref.env !== undefined) {
      const value = process.env[ref.env];
      if (value) return value;
      ctx.addIssue({ code: 'custom', message: `environment variable ${ref.env} is not set` });
      return z.NEVER;
    }
    try {
      return readFileSync(ref.file as string, 'utf8').trim();
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `cannot read secret file: ${(err as Error).message}` });
      return z.NEVER;
    }
  });
