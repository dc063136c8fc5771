import type { Request } from 'express';

/** Labels of one exemplar, e.g. `{ trace_id: '4bf92f…' }`; undefined for none. */
export type ExemplarLabels = Record<string, string> | undefined;

/** W3C Trace Context: version-traceid-parentid-flags, lower-case hex. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The trace id of a request's W3C `traceparent` header as exemplar labels (`trace_id`), when the trace
 * is sampled: an exemplar pointing at a trace that was never recorded would be a dead link.
 */
export function traceparentExemplar(req: Request): ExemplarLabels {
  const match = TRACEPARENT.exec(req.get('traceparent') ?? '');
  if (!match || match[1] === 'ff' || /^0+$/.test(match[2] as string)) return undefined;
  const sampled = (parseInt(match[4] as string, 16) & 1) === 1;
  return sampled ? { trace_id: match[2] as string } : undefined;
}

/** OpenMetrics caps an exemplar's label names and values at 128 characters together. */
const MAX_EXEMPLAR_CHARS = 128;

/** The labels if OpenMetrics allows them; undefined otherwise, so an odd exemplar never fails a request. */
export function validExemplar(labels: ExemplarLabels): ExemplarLabels {
  if (!labels) return undefined;
  const entries = Object.entries(labels);
  const size = entries.reduce((n, [k, v]) => n + k.length + String(v).length, 0);
  const namesOk = entries.every(([k]) => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k));
  return entries.length > 0 && namesOk && size <= MAX_EXEMPLAR_CHARS ? labels : undefined;
}

/** The app's exemplar labels for a request; none when its function throws, which must not fail the request. */
export function exemplarOf(exemplars: (req: Request) => ExemplarLabels, req: Request): ExemplarLabels {
  try {
    return exemplars(req);
  } catch {
    return undefined;
  }
}
