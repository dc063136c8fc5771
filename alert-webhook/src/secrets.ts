import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './validation';

/** A secret is given by the name of an environment variable or a file holding it, never inline. */
export const secretRef = z
  .strictObject({ env: z.string().min(1).optional(), file: z.string().min(1).optional() })
  .refine((s) => (s.env === undefined) !== (s.file === undefined), 'set exactly one of env or file');

/** Reads a secret reference; a missing variable or unreadable file is a ConfigError naming `where`. */
export function resolveSecret(
  ref: { env?: string; file?: string },
  where: string,
  env: NodeJS.ProcessEnv,
): string {
  if (ref.env !== undefined) {
    const value = env[ref.env];
    if (value === undefined || value === '')
      throw new ConfigError(`${where}: environment variable ${ref.env} is not set`);
    return value;
  }
  try {
    return readFileSync(ref.file as string, 'utf8').trim();
  } catch (err) {
    throw new ConfigError(`${where}: cannot read secret file ${ref.file}: ${(err as Error).message}`);
  }
}
