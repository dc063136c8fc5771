import type { z } from 'zod';
import { NO_SERIES, type ProbeLog, type SeriesSet } from '../series';

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
  /**
   * The kind's own series for a /probe answer (blackbox_exporter's per-probe registry): a kind sets them
   * as it goes, so that a run cut short by its timeout still reports what it had (a status code 0, the
   * phases so far). Scheduled checks get a set that keeps nothing.
   */
  series: SeriesSet;
  /** The probe log of `/probe?debug=true` (blackbox's lines); a no-op otherwise. */
  log: ProbeLog;
  /**
   * For /probe: whether the kind may connect to this host (and port), the allowlist asked again at every
   * hop (an HTTP redirect); always true for the configured checks.
   */
  allowed(host: string, port: number | undefined): boolean;
}

/** The context of a configured check: no series kept, no log, every destination its config names. */
export function checkContext(signal: AbortSignal): CheckContext {
  return { signal, series: NO_SERIES, log: () => undefined, allowed: () => true };
}

/** Where a /probe target points, for the allowlist; port is undefined when the kind has none. */
export interface ParsedTarget {
  fields: Record<string, unknown>;
  host: string;
  port?: number;
  /** Settings the target decides (a blackbox dns module's target is the server to ask). */
  settings?: Record<string, unknown>;
}

/**
 * A check kind: its options (usable in checks and in /probe modules), its target fields (set by a check,
 * or filled from ?target= by /probe) and how to run it.
 */
export interface CheckKind {
  readonly kind: string;
  readonly settings: z.ZodObject;
  /** Settings only a /probe module has (a dns module's query_name makes ?target= the server). */
  readonly moduleSettings?: z.ZodObject;
  readonly target: z.ZodObject;
  /**
   * Throws an Error with a caller-facing message when the text is not a valid target for this kind;
   * `settings` are the module's (validated).
   */
  parseTarget(text: string, settings: Record<string, unknown>): ParsedTarget;
  run(spec: Record<string, unknown>, ctx: CheckContext): Promise<ProbeResult>;
}

/**
 * Types a kind's run() by its own schemas. The cast is sound because every spec reaching run() was
 * produced by parsing these same schemas (at config load, or in /probe).
 */
export function defineKind<
  S extends z.ZodObject,
  T extends z.ZodObject,
  M extends z.ZodObject = z.ZodObject,
>(def: {
  kind: string;
  settings: S;
  moduleSettings?: M;
  target: T;
  parseTarget(text: string, settings: z.output<S> & Partial<z.output<M>>): ParsedTarget;
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
