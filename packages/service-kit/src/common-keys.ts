import { z } from 'zod';

/** `server:` as every service has it: where it listens (only a restart moves it). */
export const serverSchema = (defaultPort: number) =>
  z.strictObject({
    listen_address: z.string().default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(defaultPort),
  });

/**
 * The name of a check, log source or query: it becomes a label value and appears in URLs (`/probe?target=`),
 * so plain characters only.
 */
export const nameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be letters, digits, "_", "." or "-"');

/** `log_level:`, pino's levels. */
export const logLevelSchema = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info');
