import { createHmac, timingSafeEqual } from 'node:crypto';

export const ACK_PATH = '/api/v1/ack/';

/** `<incident id>.<expiry, unix seconds>.<base64url HMAC-SHA256>`: URL-safe as it stands. */
const TOKEN = /^([1-9]\d{0,15})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

export type AckTokenCheck =
  | { ok: true; incidentId: number; expiresAt: Date }
  | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

function signature(secret: string, incidentId: string, expiresAt: string): string {
  // The purpose prefix keeps a MAC made with this key for anything else from passing as an ack token.
  return createHmac('sha256', secret).update(`vigil-ack-v1.${incidentId}.${expiresAt}`).digest('base64url');
}

export function signAckToken(secret: string, incidentId: number, expiresAtMs: number): string {
  const id = String(incidentId);
  const expiry = String(Math.floor(expiresAtMs / 1000));
  return `${id}.${expiry}.${signature(secret, id, expiry)}`;
}

/** Refuses anything not signed with secret for exactly this incident and expiry, and anything expired. */
export function verifyAckToken(secret: string, token: string, nowMs = Date.now()): AckTokenCheck {
  const match = TOKEN.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, id, expiry, given] = match as unknown as [string, string, string, string];
  const incidentId = Number(id);
  if (!Number.isSafeInteger(incidentId)) return { ok: false, reason: 'malformed' };
  // Compare the encoded text, not decoded bytes: the last base64url character has spare bits, and a
  // token differing only there must not pass. Both sides are 43 ASCII characters.
  if (!timingSafeEqual(Buffer.from(given), Buffer.from(signature(secret, id, expiry))))
    return { ok: false, reason: 'forged' };
  const expiresAt = new Date(Number(expiry) * 1000);
  if (expiresAt.getTime() <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, incidentId, expiresAt };
}

/** The one-click acknowledge link for an incident, valid for ttlMs from nowMs. */
export function ackUrl(
  publicUrl: string,
  secret: string,
  incidentId: number,
  ttlMs: number,
  nowMs = Date.now(),
) {
  return `${publicUrl.replace(/\/+$/, '')}${ACK_PATH}${signAckToken(secret, incidentId, nowMs + ttlMs)}`;
}
