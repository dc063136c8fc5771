/**
 * Claims made before this time (ISO-8601) were left by attempts that died: they may be taken over. A live
 * attempt holds its claim for at most `requests` requests of `timeoutMs` each (a lookup's pages, then the
 * create or post); two more timeouts are the margin for its database writes.
 */
export const staleClaimsBefore = (timeoutMs: number, requests: number, nowMs = Date.now()) =>
  new Date(nowMs - (requests + 2) * timeoutMs).toISOString();
