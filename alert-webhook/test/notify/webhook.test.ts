import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { IncidentMessage } from '../../src/notify/message';
import { createWebhookChannel } from '../../src/notify/webhook/webhook';
import { incidentMessage, plainHttp } from '../fixtures/notify/message';
import { startReceiver, type Receiver } from '../fixtures/notify/receiver';

const SECRET = 'shared-hook-secret';
const TOLERANCE_S = 300;

/** What a receiver of Vigil's webhook does before trusting a request (as documented for integrators). */
function verify(
  headers: IncomingHttpHeaders,
  body: string,
  secret: string,
  nowS: number,
): string | undefined {
  const timestamp = Number(headers['x-vigil-timestamp']);
  if (!Number.isInteger(timestamp) || Math.abs(nowS - timestamp) > TOLERANCE_S)
    return 'stale or missing timestamp';
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(String(headers['x-vigil-signature']));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad signature';
  if ((JSON.parse(body) as { timestamp: number }).timestamp !== timestamp)
    return 'timestamp header does not match body';
  return undefined;
}

describe('generic webhook channel', () => {
  let hook: Receiver;
  beforeEach(async () => {
    hook = await startReceiver((req) => {
      const problem = verify(req.headers, req.body, SECRET, Math.floor(Date.now() / 1000));
      return problem ? { status: 401, body: problem } : { status: 204 };
    });
  });
  afterEach(() => hook.close());

  it('posts the message as JSON with a signature and timestamp the receiver verifies', async () => {
    const message = incidentMessage();
    const channel = createWebhookChannel('audit', {
      kind: 'webhook',
      url: `${hook.url}/vigil?token=abc`,
      secret: SECRET,
      http: plainHttp(5000),
    });

    expect(await channel.send(message)).toEqual({ ok: true, status: 204 });

    expect(channel.target).toBe(`${hook.url}/vigil`);
    const req = hook.requests[0]!;
    expect(req.path).toBe('/vigil?token=abc');
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = JSON.parse(req.body) as { version: number; timestamp: number; incident: IncidentMessage };
    expect(body.version).toBe(1);
    expect(Math.abs(body.timestamp - Date.now() / 1000)).toBeLessThan(5);
    expect(body.incident).toEqual(message);
  });

  it('is refused by the receiver when signed with another secret', async () => {
    const channel = createWebhookChannel('audit', {
      kind: 'webhook',
      url: hook.url,
      secret: 'wrong',
      http: plainHttp(5000),
    });
    expect(await channel.send(incidentMessage())).toEqual({
      ok: false,
      status: 401,
      error: 'HTTP 401: bad signature',
      permanent: true,
    });
  });

  it('a redirect is not followed and not retried: it would answer the same', async () => {
    const moved = await startReceiver(() => ({ status: 301, body: 'moved' }));
    try {
      const channel = createWebhookChannel('audit', {
        kind: 'webhook',
        url: moved.url,
        secret: SECRET,
        http: plainHttp(5000),
      });
      expect(await channel.send(incidentMessage())).toEqual({
        ok: false,
        status: 301,
        error: 'HTTP 301: moved',
        permanent: true,
      });
      expect(moved.requests).toHaveLength(1);
    } finally {
      await moved.close();
    }
  });

  it('gives a receiver what it needs to refuse a replayed or tampered request', async () => {
    const channel = createWebhookChannel('audit', {
      kind: 'webhook',
      url: hook.url,
      secret: SECRET,
      http: plainHttp(5000),
    });
    await channel.send(incidentMessage());
    const { headers, body } = hook.requests[0]!;
    const sentAt = Number(headers['x-vigil-timestamp']);

    expect(verify(headers, body, SECRET, sentAt + 10)).toBeUndefined();
    // Replayed later, as captured:
    expect(verify(headers, body, SECRET, sentAt + TOLERANCE_S + 1)).toBe('stale or missing timestamp');
    // Replayed later with a fresh timestamp header: the signed body still carries the old one.
    const refreshed = { ...headers, 'x-vigil-timestamp': String(sentAt + 3600) };
    expect(verify(refreshed, body, SECRET, sentAt + 3600)).toBe('timestamp header does not match body');
    // Altered body:
    expect(verify(headers, body.replace('"critical"', '"info"'), SECRET, sentAt)).toBe('bad signature');
  });
});
