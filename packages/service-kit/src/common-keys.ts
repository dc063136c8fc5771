import { z } from 'zod';

/** `server:` as every service has it: where it listens (only a restart moves it). */
export const serverSchema = (defaultPort: number) =>
  z.strictObject({
    listen_address: z.string().default('0.0.0.0'),
    port: z.number().int().min(0).max(65535).default(defaultPort),
  });

/** `log_level:`, pino's levels. */
export const logLevelSchema = z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info');
