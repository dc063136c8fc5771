import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './problems';

/** A secret is given by the name of an environment variable or a file holding it, never inline. */
export const secretRef = z
  .strictObject(
    { env: z.string().min(1).optional(), file: z.string().min(1).optional() },
    {
      // A value written in place is the likely mistake: say how to give it, not only "expected object"
      // (a missing one keeps zod's words).
      error: (issue) =>
        issue.code === 'invalid_type' && issue.input !== undefined
          ? 'a secret: give it as {env: NAME} or {file: /path}, not inline'
          : undefined,
    },
  )
  .refine((s) => (s.env === undefined) !== (s.file === undefined), 'set exactly one of env or file');

export type SecretRef = z.output<typeof secretRef>;

/** `a.b.0.c` or `a.b[0].c` as a key path, so that a problem can be placed in the file. */
export const splitPath = (where: string): PropertyKey[] =>
  where
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));

/**
 * Where a key is, given as a path (kept as it is: a key in it may hold a dot, as a channel's name may) or
 * as text of fixed key names, split by splitPath.
 */
export const keyPath = (where: readonly PropertyKey[] | string): readonly PropertyKey[] =>
  typeof where === 'string' ? splitPath(where) : where;

/** Reads a secret reference; a missing variable or unreadable file is a ConfigError naming where it is. */
export function resolveSecret(
  ref: SecretRef,
  where: readonly PropertyKey[] | string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const path = keyPath(where);
  if (ref.env !== undefined) {
    const value = env[ref.env];
    if (value === undefined || value === '')
      throw new ConfigError([{ path, message: `environment variable ${ref.env} is not set` }]);
    return value;
  }
  try {
    return readFileSync(ref.file as string, 'utf8').trim();
  } catch (err) {
    throw new ConfigError([
      { path, message: `cannot read secret file ${ref.file}: ${(err as Error).message}` },
    ]);
  }
}

/** A secret resolved while the schema parses (from the process's environment): the value, as a string. */
export const secret = secretRef.transform((ref, ctx) => {
  try {
    return resolveSecret(ref, []);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as ConfigError).problems[0]?.message ?? String(err) });
    return z.NEVER;
  }
});
