import type { z } from 'zod';

/** What one run of a check found; the scheduler adds the duration and the time. */
export interface ProbeResult {
  success: boolean;
  /** Why it failed (or a short detail); shown by the health API, never used as a label. */
  message?: string;
  httpStatusCode?: number;
  /** Unix seconds of the earliest expiry in the presented certificate chain. */
  sslEarliestCertExpiry?: number;
}

export interface CheckContext {
  /** Aborted when the check's timeout elapses; a kind must stop its I/O when it fires. */
  signal: AbortSignal;
}

/** Where a /probe target points, for the allowlist; port is undefined when the kind has none. */
export interface ParsedTarget {
  fields: Record<string, unknown>;
  host: string;
  port?: number;
}

/**
 * A check kind: its options (usable in checks and in /probe modules), its target fields (set by a check,
 * or filled from ?target= by /probe) and how to run it.
 */
export interface CheckKind {
  readonly kind: string;
  readonly settings: z.ZodObject;
  readonly target: z.ZodObject;
  /** Throws an Error with a caller-facing message when the text is not a valid target for this kind. */
  parseTarget(text: string): ParsedTarget;
  run(spec: Record<string, unknown>, ctx: CheckContext): Promise<ProbeResult>;
}

/**
 * Types a kind's run() by its own schemas. The cast is sound because every spec reaching run() was
 * produced by parsing these same schemas (at config load, or in /probe).
 */
export function defineKind<S extends z.ZodObject, T extends z.ZodObject>(def: {
  kind: string;
  settings: S;
  target: T;
  parseTarget(text: string): ParsedTarget;
  run(spec: z.output<S> & z.output<T>, ctx: CheckContext): Promise<ProbeResult>;
}): CheckKind {
  return def as unknown as CheckKind;
}

/** Longer messages (a server's whole explanation) are cut, so /health and the log stay readable. */
const MAX_MESSAGE_CHARS = 200;

/** Describes an error for a result message: "timeout" for aborts, else the error's own message. */
export function describeError(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'timeout';
  const e = err as { code?: string; message?: string };
  const text =
    e.code && !e.message?.includes(e.code) ? `${e.code}: ${e.message}` : (e.message ?? String(err));
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS - 1)}…` : text;
}
