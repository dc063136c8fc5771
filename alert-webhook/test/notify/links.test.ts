import { ACK_PATH, ackUrl, signAckToken, verifyAckToken } from '../../src/notify/links';

const SECRET = 'k'.repeat(40);
const NOW = Date.parse('2026-11-22T10:00:00Z');
const HOUR = 3_600_000;

describe('acknowledge links', () => {
  const token = signAckToken(SECRET, 42, NOW + HOUR);

  it('round-trips the incident id and expiry', () => {
    expect(verifyAckToken(SECRET, token, NOW)).toEqual({
      ok: true,
      incidentId: 42,
      expiresAt: new Date(NOW + HOUR),
    });
  });

  it('builds /api/v1/ack/<token> under the public URL, whatever its trailing slash', () => {
    const url = ackUrl('https://vigil.example.com/', SECRET, 42, HOUR, NOW);
    expect(url).toBe(`https://vigil.example.com${ACK_PATH}${token}`);
    expect(ackUrl('https://example.com/vigil', SECRET, 42, HOUR, NOW)).toBe(
      `https://example.com/vigil${ACK_PATH}${token}`,
    );
    expect(encodeURIComponent(token)).toBe(token);
  });

  it('refuses a token once it has expired', () => {
    expect(verifyAckToken(SECRET, token, NOW + HOUR - 1000).ok).toBe(true);
    expect(verifyAckToken(SECRET, token, NOW + HOUR)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a token for another incident or a later expiry made by editing a genuine one', () => {
    const [, expiry, signature] = token.split('.');
    expect(verifyAckToken(SECRET, `43.${expiry}.${signature}`, NOW)).toEqual({ ok: false, reason: 'forged' });
    expect(verifyAckToken(SECRET, `42.${Number(expiry) + 86_400}.${signature}`, NOW)).toEqual({
      ok: false,
      reason: 'forged',
    });
  });

  it('refuses a signature that differs only in the spare bits of its last character', () => {
    const last = token.at(-1) as string;
    // 43 base64url characters carry 258 bits for 256: the last character's low 2 bits are spare.
    const index = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(last);
    const twin = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[index ^ 1] as string;
    const altered = `${token.slice(0, -1)}${twin}`;
    expect(Buffer.from(altered.split('.')[2] as string, 'base64url')).toEqual(
      Buffer.from(token.split('.')[2] as string, 'base64url'),
    );
    expect(verifyAckToken(SECRET, altered, NOW)).toEqual({ ok: false, reason: 'forged' });
  });

  it('refuses a token signed with another key', () => {
    expect(verifyAckToken('x'.repeat(40), token, NOW)).toEqual({ ok: false, reason: 'forged' });
    const forged = signAckToken('x'.repeat(40), 42, NOW + HOUR);
    expect(verifyAckToken(SECRET, forged, NOW)).toEqual({ ok: false, reason: 'forged' });
  });

  it('refuses malformed tokens before computing anything', () => {
    for (const bad of [
      '',
      '42',
      `042.${token.slice(3)}`,
      `${token}.x`,
      `${token}=`,
      token.replace(/\.[^.]*$/, '.abc'),
      `9999999999999999.1.${'A'.repeat(43)}`,
    ]) {
      expect(verifyAckToken(SECRET, bad, NOW)).toEqual({ ok: false, reason: 'malformed' });
    }
  });
});
