import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed links in notifications, each for one incident until an expiry, keyed with
 * `notifications.ack_links.secret`: the acknowledge page, and the read-only incident page (for people without
 * Grafana). Each kind signs its own purpose, so a token made for one never opens the other.
 */
export const ACK_PATH = '/api/v1/ack/';
export const VIEW_PATH = '/api/v1/view/';

type Purpose = 'vigil-ack-v1' | 'vigil-view-v1';

/** `<incident id>.<expiry, unix seconds>.<base64url HMAC-SHA256>`: URL-safe as it stands. */
const TOKEN = /^([1-9]\d{0,15})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/;

export type LinkTokenCheck =
  | { ok: true; incidentId: number; expiresAt: Date }
  | { ok: false; reason: 'malformed' | 'forged' | 'expired' };
export type AckTokenCheck = LinkTokenCheck;

function signature(purpose: Purpose, secret: string, incidentId: string, expiresAt: string): string {
  // The purpose prefix keeps a MAC made with this key for anything else from passing as this kind of token.
  return createHmac('sha256', secret).update(`${purpose}.${incidentId}.${expiresAt}`).digest('base64url');
}

function sign(purpose: Purpose, secret: string, incidentId: number, expiresAtMs: number): string {
  const id = String(incidentId);
  const expiry = String(Math.floor(expiresAtMs / 1000));
  return `${id}.${expiry}.${signature(purpose, secret, id, expiry)}`;
}

/** Refuses anything not signed with secret for exactly this purpose, incident and expiry, and anything expired. */
function verify(purpose: Purpose, secret: string, token: string, nowMs: number): LinkTokenCheck {
  const match = TOKEN.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, id, expiry, given] = match as unknown as [string, string, string, string];
  const incidentId = Number(id);
  if (!Number.isSafeInteger(incidentId)) return { ok: false, reason: 'malformed' };
  // Compare the encoded text, not decoded bytes: the last base64url character has spare bits, and a
  // token differing only there must not pass. Both sides are 43 ASCII characters.
  if (!timingSafeEqual(Buffer.from(given), Buffer.from(signature(purpose, secret, id, expiry))))
    return { ok: false, reason: 'forged' };
  const expiresAt = new Date(Number(expiry) * 1000);
  if (expiresAt.getTime() <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, incidentId, expiresAt };
}

const base = (publicUrl: string) => publicUrl.replace(/\/+$/, '');

export function signAckToken(secret: string, incidentId: number, expiresAtMs: number): string {
  return sign('vigil-ack-v1', secret, incidentId, expiresAtMs);
}

export function verifyAckToken(secret: string, token: string, nowMs = Date.now()): AckTokenCheck {
  return verify('vigil-ack-v1', secret, token, nowMs);
}

/** The one-click acknowledge link for an incident, valid for ttlMs from nowMs. */
export function ackUrl(
  publicUrl: string,
  secret: string,
  incidentId: number,
  ttlMs: number,
  nowMs = Date.now(),
) {
  return `${base(publicUrl)}${ACK_PATH}${signAckToken(secret, incidentId, nowMs + ttlMs)}`;
}

export function signViewToken(secret: string, incidentId: number, expiresAtMs: number): string {
  return sign('vigil-view-v1', secret, incidentId, expiresAtMs);
}

export function verifyViewToken(secret: string, token: string, nowMs = Date.now()): LinkTokenCheck {
  return verify('vigil-view-v1', secret, token, nowMs);
}

/** The read-only incident page for an incident, valid for ttlMs from nowMs. */
export function viewUrl(
  publicUrl: string,
  secret: string,
  incidentId: number,
  ttlMs: number,
  nowMs = Date.now(),
) {
  return `${base(publicUrl)}${VIEW_PATH}${signViewToken(secret, incidentId, nowMs + ttlMs)}`;
}
