import request from 'supertest';
import { ConfigError } from '@vigil/service-kit';
import { parseConfig } from '../src/config';
import { matches, parseMatcher, parseMatchers } from '../src/routing/matchers';
import { startTestApp } from './helpers';
import { startReceiver, type Receiver } from './fixtures/notify/receiver';
import { asResponder, deliver, env, noiseConfig, sent, type App } from './fixtures/noise';

// Issue 16, item 1: matcher regexes run on RE2 (linear time), anchored as Alertmanager anchors them.

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const m = (text: string, labels: Record<string, string>) => matches(parseMatcher(text), labels);

/** Runs fn and returns how long it took, in milliseconds. */
function timed(fn: () => unknown): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

describe('matcher regexes', () => {
  it('match a catastrophic pattern against a long value in linear time', () => {
    // (a+)+b backtracks exponentially in V8: 28 a's took about 6 s.
    const matcher = parseMatcher('redos=~"(a+)+b"');
    expect(timed(() => expect(matches(matcher, { redos: 'a'.repeat(28) })).toBe(false))).toBeLessThan(100);
    expect(timed(() => expect(matches(matcher, { redos: 'a'.repeat(100_000) })).toBe(false))).toBeLessThan(
      500,
    );
    expect(matches(matcher, { redos: 'aaab' })).toBe(true);
    const nested = parseMatcher('x=~"(.*a){12}"');
    expect(timed(() => matches(nested, { x: 'a'.repeat(40) + 'b' }))).toBeLessThan(100);
  });

  it('read RE2 syntax, as Alertmanager: inline flags anywhere, Unicode classes, \\x{…}, one code point per dot', () => {
    expect(m('team=~"db|(?i:INFRA)"', { team: 'infra' })).toBe(true);
    expect(m('team=~"(?i)DB"', { team: 'db' })).toBe(true);
    expect(m('city=~"\\\\pL+"', { city: 'Zürich' })).toBe(true);
    expect(m('city=~"Z\\\\x{fc}rich"', { city: 'Zürich' })).toBe(true);
    expect(m('face=~"."', { face: '😀' })).toBe(true);
    expect(m('line=~".*"', { line: 'a\nb' })).toBe(false); // . does not match a newline
    expect(m('line=~"(?s).*"', { line: 'a\nb' })).toBe(true);
  });

  it('anchor as ^(?:…)$, also when the pattern closes the group itself', () => {
    expect(m('team=~"db|infra"', { team: 'dbx' })).toBe(false);
    expect(m('team=~"b"', { team: 'abc' })).toBe(false);
    // Alertmanager compiles ^(?:a)|(b)$: a value starting with a, or ending with b.
    expect(m('team=~"a)|(b"', { team: 'axx' })).toBe(true);
    expect(m('team=~"a)|(b"', { team: 'xxb' })).toBe(true);
    expect(m('team=~"a)|(b"', { team: 'xbx' })).toBe(false);
  });

  it('refuse what RE2 cannot express, naming it', () => {
    expect(() => parseMatcher('x=~"(a)\\\\1"')).toThrow(/backreferences \(\\1\) are not supported/);
    expect(() => parseMatcher('x=~"(?=a)a"')).toThrow(/lookaround \(\(\?=\) is not supported/);
    expect(() => parseMatcher('x=~"a(?!b)"')).toThrow(/lookaround \(\(\?!\) is not supported/);
    expect(() => parseMatcher('x=~"(?<=a)b"')).toThrow(/lookaround \(\(\?<=\) is not supported/);
    expect(() => parseMatcher('x=~"(?<!a)b"')).toThrow(/lookaround \(\(\?<!\) is not supported/);
    // JavaScript's \u escape is not RE2 syntax (Go writes \x{00e9}).
    expect(() => parseMatcher('x=~"\\\\u00e9"')).toThrow(/invalid regular expression: invalid escape/);
    expect(() => parseMatcher('x=~"a{1001}"')).toThrow(/invalid repeat count/);
  });

  it('are refused at config load with the key path, in routes and in maintenance windows', () => {
    const problem = (doc: object) => {
      try {
        parseConfig(doc, {});
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(
      problem({
        routing: { team: 'ops', channels: [], routes: [{ matchers: ['service="a"', 'team=~"(?!db).*"'] }] },
      }),
    ).toMatch(/routing\.routes\[0\]\.matchers\[1\]: invalid matcher .*lookaround \(\(\?!\) is not supported/);
    expect(
      problem({
        maintenance_windows: [
          {
            name: 'w',
            matchers: ['service=~"(db)\\\\1"'],
            starts_at: '2026-01-01T00:00:00Z',
            ends_at: '2026-01-02T00:00:00Z',
          },
        ],
      }),
    ).toMatch(/maintenance_windows\[0\]\.matchers\[0\]: invalid matcher .*backreferences/);
  });

  it('cross to the merge thread as plain data', () => {
    const [matcher] = parseMatchers('team=~"db|infra"');
    const copy = structuredClone(matcher) as NonNullable<typeof matcher>;
    expect(matches(copy, { team: 'infra' })).toBe(true);
  });
});

describe('maintenance windows from the API', () => {
  let receiver: Receiver;
  let t: App;
  beforeEach(async () => {
    receiver = await startReceiver(() => ({ status: 200 }));
    t = await startTestApp(noiseConfig(receiver), env);
  });
  afterEach(async () => {
    await t.close();
    await receiver.close();
  });

  it('take a catastrophic regex without stalling intake', async () => {
    await request(t.app)
      .post('/api/v1/maintenance')
      .set(asResponder)
      .send({ matchers: ['service="x"', 'redos=~"(a+)+b"'], ends_at: iso(Date.now() + HOUR) })
      .expect(201);
    // 40 a's: backtracking would take days, so a generous bound for a loaded machine still tells.
    const started = performance.now();
    const id = await deliver(t, 'redos', [
      { fingerprint: 'r', labels: { service: 'x', redos: 'a'.repeat(40) } },
    ]);
    expect(performance.now() - started).toBeLessThan(15_000);
    // Not covered by the window ((a+)+b needs a b), so it was notified.
    expect(sent(receiver).filter((s) => s.incident.incidentId === id)).toHaveLength(1);
  });

  it('refuse backreferences and lookaround with 400 naming the matcher', async () => {
    for (const [pattern, why] of [
      ['(a)\\1', 'backreferences'],
      ['(?=a)a', 'lookaround'],
      ['(?<!a)b', 'lookaround'],
    ]) {
      const res = await request(t.app)
        .post('/api/v1/maintenance')
        .set(asResponder)
        .send({ matchers: ['service="x"', `team=~"${pattern}"`], ends_at: iso(Date.now() + HOUR) })
        .expect(400);
      expect(res.body.error.details).toEqual([
        { field: 'matchers.1', message: expect.stringContaining(`${why} (`) },
      ]);
    }
  });

  it('cover nothing when stored before RE2 with a pattern RE2 refuses, and screening goes on', async () => {
    await t.noise.ready();
    await t.db
      .insertInto('maintenance_windows')
      .values({
        name: null,
        source: 'api',
        matchers: JSON.stringify(['service="legacy"', 'team=~"(a)\\\\1"']),
        starts_at: iso(Date.now() - HOUR),
        ends_at: iso(Date.now() + HOUR),
        comment: '',
        created_by: 'alice',
        created_at: iso(Date.now() - HOUR),
        deleted_at: null,
        closed_at: null,
        silence_id: null,
        silence_error: null,
      })
      .execute();
    const id = await deliver(t, 'legacy', [{ fingerprint: 'l', labels: { service: 'legacy', team: 'aa' } }]);
    expect(sent(receiver).filter((s) => s.incident.incidentId === id)).toHaveLength(1);
  });
});
