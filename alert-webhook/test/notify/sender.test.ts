import { createHmac } from 'node:crypto';
import type { Clock } from '../../src/notify/clock';
import type { NotificationChannel } from '../../src/notify/message';
import { parseRetryAfter, RETRY_AFTER_MAX_MS } from '../../src/notify/retrier';
import { Pacer } from '../../src/notify/pacer';
import {
  NotificationSender,
  backoffDelayMs,
  type DeliveryAttempt,
  type RetryPolicy,
} from '../../src/notify/sender';
import { createTeamsChannel } from '../../src/notify/teams/teams';
import { createWebhookChannel } from '../../src/notify/webhook/webhook';
import { incidentMessage, plainHttp } from '../fixtures/notify/message';
import { startReceiver, type Receiver } from '../fixtures/notify/receiver';

const POLICY: RetryPolicy = { maxAttempts: 4, initialDelayMs: 100, maxDelayMs: 250, jitter: 0.5 };

/** Real time, but sleeps are recorded and skipped so that backoff is checked without being waited out. */
function recordingClock(): Clock & { slept: number[] } {
  const slept: number[] = [];
  return { now: Date.now, sleep: async (ms) => slept.push(ms), slept };
}

const webhook = (url: string, name = 'hook') =>
  createWebhookChannel(name, { kind: 'webhook', url, secret: 'shh', http: plainHttp(2000) });

describe('backoff', () => {
  it('doubles from the initial delay up to the cap', () => {
    const noJitter = () => 0;
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(POLICY, n, noJitter))).toEqual([100, 200, 250, 250]);
  });

  it('shortens each delay by at most the jitter fraction', () => {
    expect(backoffDelayMs(POLICY, 2, () => 1)).toBe(100);
    expect(backoffDelayMs(POLICY, 2, () => 0.5)).toBe(150);
  });
});

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP dates, and ignores what is neither', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    // Days (or more than a timer holds, which would fire at once) are waited RETRY_AFTER_MAX_MS.
    expect(parseRetryAfter('2592000', now)).toBe(RETRY_AFTER_MAX_MS);
    expect(parseRetryAfter('9'.repeat(30), now)).toBe(RETRY_AFTER_MAX_MS);
    expect(parseRetryAfter('Fri, 01 Jan 2100 00:00:00 GMT', now)).toBe(RETRY_AFTER_MAX_MS);
    expect(RETRY_AFTER_MAX_MS).toBe(600_000);
  });
});

describe('pacer', () => {
  let now = 0;
  const slept: number[] = [];
  const starts: [string, number][] = [];
  const pacer = new Pacer(1000, {
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  });
  /** A request to key that takes 50 ms. */
  const request = (key: string) =>
    pacer.run(key, async () => {
      starts.push([key, now]);
      now += 50;
    });

  it('runs one task per key at a time, the next a full interval after the previous one finished', async () => {
    await Promise.all([request('a'), request('a')]);
    expect(starts).toEqual([
      ['a', 0],
      ['a', 1050],
    ]);
    expect(slept).toEqual([1000]);
    await request('b');
    expect(starts.at(-1)).toEqual(['b', 1100]);
    expect(slept).toEqual([1000]);
  });

  it('holds back only the key whose receiver asked for a pause', async () => {
    now = 5000;
    pacer.pause('b', 3000);
    await request('a');
    await request('b');
    expect(starts.slice(-2)).toEqual([
      ['a', 5000],
      ['b', 8000],
    ]);
  });

  it('keeps going after a task fails', async () => {
    await expect(pacer.run('c', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await request('c');
    expect(starts.at(-1)).toEqual(['c', 9050]);
  });
});

describe('sender', () => {
  let servers: Receiver[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });
  const serve = async (reply: Parameters<typeof startReceiver>[0]) => {
    const server = await startReceiver(reply);
    servers.push(server);
    return server;
  };

  it('retries with backoff until the receiver recovers, recording every attempt', async () => {
    const server = await serve((_req, i) => (i < 2 ? { status: 503, body: 'busy' } : { status: 200 }));
    const attempts: DeliveryAttempt[] = [];
    const clock = recordingClock();
    const sender = new NotificationSender({
      policy: POLICY,
      onAttempt: (a) => void attempts.push(a),
      clock,
      random: () => 0,
    });

    const last = await sender.deliver(webhook(`${server.url}/hook`), incidentMessage());

    expect(server.requests).toHaveLength(3);
    expect(clock.slept).toEqual([100, 200]);
    expect(attempts.map((a) => [a.attempt, a.outcome.ok, a.outcome.status, a.retryInMs])).toEqual([
      [1, false, 503, 100],
      [2, false, 503, 200],
      [3, true, 200, undefined],
    ]);
    expect(attempts[0]).toMatchObject({
      incidentId: 42,
      incidentStatus: 'triggered',
      channel: 'hook',
      kind: 'webhook',
      target: `${server.url}/hook`,
      outcome: { error: 'HTTP 503: busy' },
    });
    expect(last).toEqual(attempts[2]);
    // Every retry is signed afresh over its own body.
    for (const req of server.requests) {
      const expected = createHmac('sha256', 'shh').update(req.body).digest('hex');
      expect(req.headers['x-vigil-signature']).toBe(`sha256=${expected}`);
    }
  });

  it('gives up after the last attempt and says so rather than dropping the message', async () => {
    const server = await serve(() => ({ status: 500 }));
    const attempts: DeliveryAttempt[] = [];
    const sender = new NotificationSender({
      policy: POLICY,
      onAttempt: (a) => void attempts.push(a),
      clock: recordingClock(),
    });

    const last = await sender.deliver(webhook(server.url), incidentMessage());

    expect(server.requests).toHaveLength(POLICY.maxAttempts);
    expect(last).toMatchObject({ attempt: POLICY.maxAttempts, outcome: { ok: false, status: 500 } });
    expect(last.retryInMs).toBeUndefined();
    expect(attempts).toHaveLength(POLICY.maxAttempts);
  });

  it('does not retry a message the receiver refused for good', async () => {
    const server = await serve(() => ({ status: 400, body: 'bad payload' }));
    const sender = new NotificationSender({
      policy: POLICY,
      onAttempt: () => undefined,
      clock: recordingClock(),
    });
    const last = await sender.deliver(webhook(server.url), incidentMessage());
    expect(server.requests).toHaveLength(1);
    expect(last.outcome).toMatchObject({ ok: false, status: 400, permanent: true });
  });

  it('waits at least as long as Retry-After asks, even when backoff would be shorter', async () => {
    const server = await serve((_req, i) =>
      i === 0 ? { status: 429, headers: { 'retry-after': '7' } } : { status: 200 },
    );
    const clock = recordingClock();
    const sender = new NotificationSender({
      policy: POLICY,
      onAttempt: () => undefined,
      clock,
      random: () => 0,
    });
    await sender.deliver(webhook(server.url), incidentMessage());
    expect(clock.slept).toEqual([7000]);
  });

  it('records a connection failure with its code', async () => {
    const server = await serve(() => ({ status: 200 }));
    await server.close();
    servers = [];
    const sender = new NotificationSender({
      policy: { ...POLICY, maxAttempts: 1 },
      onAttempt: () => undefined,
    });
    const last = await sender.deliver(webhook(server.url), incidentMessage());
    expect(last.outcome).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
  });

  it('keeps a channel that hangs from delaying one that works', async () => {
    const hanging = await serve(() => undefined);
    const teams = await serve(() => ({ status: 202 }));
    const attempts: DeliveryAttempt[] = [];
    const sender = new NotificationSender({
      policy: { ...POLICY, maxAttempts: 2 },
      onAttempt: (a) => void attempts.push(a),
    });
    const slow = createWebhookChannel('slow', {
      kind: 'webhook',
      url: hanging.url,
      secret: 's',
      http: plainHttp(600),
    });
    const working = createTeamsChannel('teams', {
      kind: 'teams',
      webhookUrl: teams.url,
      http: plainHttp(2000),
    });

    const started = Date.now();
    const results = await sender.deliverAll([slow, working], incidentMessage());

    expect(results.map((r) => [r.channel, r.outcome.ok])).toEqual([
      ['slow', false],
      ['teams', true],
    ]);
    expect(results[0]!.outcome.code).toBe('ETIMEDOUT');
    // The working channel was done before the hanging one's first attempt had even timed out.
    expect(attempts[0]).toMatchObject({ channel: 'teams', outcome: { ok: true } });
    expect(teams.requests[0]!.receivedAt - started).toBeLessThan(600);
    expect(attempts.map((a) => a.channel)).toEqual(['teams', 'slow', 'slow']);
  });

  it('turns a channel that throws into a recorded failure', async () => {
    const broken: NotificationChannel = {
      name: 'broken',
      kind: 'webhook',
      target: 'nowhere',
      send: () => Promise.reject(new Error('bug')),
    };
    const sender = new NotificationSender({
      policy: { ...POLICY, maxAttempts: 1 },
      onAttempt: () => undefined,
    });
    const last = await sender.deliver(broken, incidentMessage());
    expect(last.outcome).toEqual({ ok: false, code: 'EXCEPTION', error: 'bug' });
  });

  it('lets the other channels finish before reporting that recording failed', async () => {
    const server = await serve(() => ({ status: 200 }));
    const sender = new NotificationSender({
      policy: POLICY,
      onAttempt: (a) => {
        if (a.channel === 'first') throw new Error('database is gone');
      },
    });
    await expect(
      sender.deliverAll([webhook(server.url, 'first'), webhook(server.url, 'second')], incidentMessage()),
    ).rejects.toThrow('database is gone');
    expect(server.requests).toHaveLength(2);
  });
});
