import { isIP } from 'node:net';
import { z } from 'zod';

/** A host name as DNS spells it (RFC 1123 labels), not all digits: `999.1.1.1` is a mistyped address. */
const HOST_NAME =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*(?![0-9]+$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/**
 * An address to listen on, checked so that --check-config refuses what listening would fail on (`''`, a
 * typo'd address).
 */
export const listenAddress = z
  .string()
  .refine(
    (v) => isIP(v) !== 0 || HOST_NAME.test(v),
    'must be an IP address or a host name (0.0.0.0: every interface)',
  );

/**
 * A TCP or UDP port, 1–65535 (0 where the system may choose). Out of range is its one problem: zod's
 * safe-integer bound, checked after, would name a limit of its own for a huge number.
 */
export const portSchema = (lowest: 0 | 1) => z.number().min(lowest).max(65535, { abort: true }).int();

/**
 * For a list whose items are known by `name`: each name used again is reported at that item's `name`
 * key (`z.array(item).superRefine(uniqueNames('heartbeat'))`), where a map built from the list would
 * keep the last one without a word.
 */
export const uniqueNames =
  (what: string) =>
  (items: { name: string }[], ctx: z.RefinementCtx): void => {
    const seen = new Set<string>();
    for (const [i, item] of items.entries()) {
      if (seen.has(item.name))
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate ${what} name "${item.name}"` });
      seen.add(item.name);
    }
  };

/** `server:` as every service has it: where it listens (only a restart moves it). */
export const serverSchema = (defaultPort: number) =>
  z.strictObject({
    listen_address: listenAddress.default('0.0.0.0'),
    port: portSchema(0).default(defaultPort),
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
