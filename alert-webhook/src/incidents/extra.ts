/**
 * What is kept of the fields an alert carries beyond webhook v4 (Grafana's `values`, `dashboardURL`,
 * `silenceURL`…), stored with the alert as `extra` and shown by the API. Senders put a few flat fields
 * there; a hostile one could nest them thousands of levels deep (which no JSON encoder's recursion survives)
 * or send megabytes of them, so both are bounded:
 * - depth: an object or array nested deeper than EXTRA_MAX_DEPTH levels (the field's own value is level 1)
 *   is replaced by the string DEEPER;
 * - size: fields are kept in order while their JSON adds up to at most EXTRA_MAX_BYTES bytes; from the first
 *   one that does not fit, the rest are left out and counted under the key `…`.
 */
export const EXTRA_MAX_DEPTH = 8;
export const EXTRA_MAX_BYTES = 16 * 1024;
export const DEEPER = `[nested deeper than ${EXTRA_MAX_DEPTH} levels: not kept]`;
export const LEFT_OUT_KEY = '…';

/** A copy cut at EXTRA_MAX_DEPTH: the recursion never goes deeper than that, whatever the input. */
function clip(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > EXTRA_MAX_DEPTH) return DEEPER;
  if (Array.isArray(value)) return value.map((v: unknown) => clip(v, depth + 1));
  // A null prototype keeps a key named __proto__ as data, as JSON.parse made it.
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(value)) out[k] = clip(v, depth + 1);
  return out;
}

/** The bounded copy of an alert's extra fields (name and value pairs, in their order). */
export function boundExtra(fields: Iterable<[string, unknown]>): Record<string, unknown> {
  const out = Object.create(null) as Record<string, unknown>;
  let bytes = 2; // {}
  let leftOut = 0;
  let leftOutBytes = 0;
  for (const [name, value] of fields) {
    const kept = clip(value, 1);
    const size = Buffer.byteLength(JSON.stringify(name)) + Buffer.byteLength(JSON.stringify(kept) ?? '') + 2;
    if (leftOut > 0 || bytes + size > EXTRA_MAX_BYTES) {
      leftOut += 1;
      leftOutBytes += size;
      continue;
    }
    out[name] = kept;
    bytes += size;
  }
  if (leftOut > 0) {
    out[LEFT_OUT_KEY] =
      `${leftOut} more field${leftOut > 1 ? 's' : ''} (${leftOutBytes} bytes) not kept: ` +
      `extra fields are limited to ${EXTRA_MAX_BYTES} bytes per alert`;
  }
  return out;
}

/**
 * Extra fields as stored, bounded again on the way out: rows stored before these limits may hold anything,
 * and a read must answer whatever it finds.
 */
export function presentExtra(stored: unknown): unknown {
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return clip(stored, 1);
  return boundExtra(Object.entries(stored));
}
