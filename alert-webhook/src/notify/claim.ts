/** A claim older than this many request timeouts was left by an attempt that died. */
const CLAIM_STALE_FACTOR = 6;

/** Claims made before this time (ISO-8601) were left by attempts that died: they may be taken over. */
export const staleClaimsBefore = (timeoutMs: number, nowMs = Date.now()) =>
  new Date(nowMs - CLAIM_STALE_FACTOR * timeoutMs).toISOString();
