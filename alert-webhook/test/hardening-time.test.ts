import fc from 'fast-check';
import request from 'supertest';
import { parseConfig } from '../src/config';
import { parseRfc3339 } from '@vigil/api-contract';
import { GUARDED, notification, startGuardedApp } from './helpers';

// Issue 16, item 3: times are RFC 3339 only, years 0001–9999, stored in one sortable form.

describe('parseRfc3339', () => {
  it.each([
    ['2026-11-22T10:00:00Z', '2026-11-22T10:00:00.000Z'],
    ['2026-11-22T10:00:00.123456789Z', '2026-11-22T10:00:00.123Z'],
    ['2026-11-22T10:00:00.1Z', '2026-11-22T10:00:00.100Z'],
    ['2026-11-22t10:00:00z', '2026-11-22T10:00:00.000Z'],
    ['2026-11-22T11:30:00+01:30', '2026-11-22T10:00:00.000Z'],
    ['2026-11-22T00:00:00-05:00', '2026-11-22T05:00:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'], // Alertmanager's zero time
    ['0099-06-01T00:00:00Z', '0099-06-01T00:00:00.000Z'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(new Date(parseRfc3339(text) as number).toISOString()).toBe(iso);
  });

  it.each([
    '1',
    '2026',
    '1e12',
    '2026-11-22',
    '2026-11-22T10:00:00', // no offset
    '2026-11-22 10:00:00Z',
    '2026-11-22T10:00Z',
    '2026-11-22T10:00:00+0100',
    '+275760-09-13T00:00:00.000Z',
    '-000001-01-01T00:00:00Z',
    '10000-01-01T00:00:00Z',
    '0000-12-31T23:00:00Z',
    '0001-01-01T00:00:00+01:00', // year 0 in UTC
    '9999-12-31T23:00:00-02:00', // year 10000 in UTC
    '2026-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-11-22T24:00:00Z',
    '2026-11-22T10:60:00Z',
    '2026-11-22T10:00:60Z',
    '2026-11-22T10:00:00+24:00',
    '2026-11-22T10:00:00.Z',
    'Sun, 22 Nov 2026 10:00:00 GMT',
    ' 2026-11-22T10:00:00Z',
    '２０２６-11-22T10:00:00Z',
  ])('refuses %j', (text) => {
    expect(parseRfc3339(text)).toBeUndefined();
  });
});

/** parseRfc3339 as it was written first, with a regular expression: the reference the fast reader must match. */
function referenceParse(text: string): number | undefined {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/.exec(
      text,
    );
  if (!m) return undefined;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map(Number);
  const days = [
    31,
    (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28,
    31,
    30,
    31,
    30,
    31,
    31,
    30,
    31,
    30,
    31,
  ];
  if (month < 1 || month > 12 || day < 1 || day > (days[month - 1] as number)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offset = 0;
  if (m[8] !== undefined) {
    const [oh, om] = [Number(m[9]), Number(m[10])];
    if (oh > 23 || om > 59) return undefined;
    offset = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offset, second, ms);
  const at = date.getTime();
  return at < -62_135_596_800_000 || at > 253_402_300_799_999 ? undefined : at;
}

describe('parseRfc3339 against the regular expression it replaced', () => {
  const num = (max: number, width: number) =>
    fc.integer({ min: 0, max }).map((n) => String(n).padStart(width, '0'));
  const piece = (good: fc.Arbitrary<string>) =>
    fc.oneof({ weight: 8, arbitrary: good }, { weight: 1, arbitrary: fc.string({ maxLength: 3 }) });
  const time = fc
    .tuple(
      piece(num(10_999, 4)),
      piece(fc.constantFrom('-')),
      piece(num(14, 2)),
      piece(fc.constantFrom('-')),
      piece(num(32, 2)),
      piece(fc.constantFrom('T', 't', ' ')),
      piece(num(25, 2)),
      piece(fc.constantFrom(':')),
      piece(num(61, 2)),
      piece(fc.constantFrom(':')),
      piece(num(61, 2)),
      fc.oneof(fc.constant(''), fc.stringMatching(/^\.\d{0,12}$/)),
      piece(
        fc.oneof(
          fc.constantFrom('Z', 'z'),
          fc.tuple(fc.constantFrom('+', '-'), num(25, 2), num(61, 2)).map(([s, h, m]) => `${s}${h}:${m}`),
        ),
      ),
    )
    .map((parts) => parts.join(''));

  it('reads every string as the reference does', () => {
    fc.assert(
      fc.property(fc.oneof(time, fc.string()), (text) => {
        expect(parseRfc3339(text)).toBe(referenceParse(text));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('times from outside', () => {
  const as = GUARDED.asResponder;
  let t: Awaited<ReturnType<typeof startGuardedApp>>;
  beforeEach(async () => {
    t = await startGuardedApp();
  });
  afterEach(() => t.close());

  const hook = (body: object) => request(t.app).post('/api/v1/alertmanager').set(GUARDED.asHook).send(body);

  it('refuses an alert whose startsAt or endsAt is not RFC 3339', async () => {
    for (const [field, value] of [
      ['startsAt', '1'],
      ['startsAt', '+275760-09-13T00:00:00.000Z'],
      ['startsAt', '2026-11-22'],
      ['endsAt', '0'],
    ] as const) {
      const res = await hook(notification([{ [field]: value }])).expect(400);
      expect(res.body.error.details).toContainEqual({
        field: `alerts.0.${field}`,
        message: 'must be an RFC 3339 timestamp',
      });
    }
    expect(await t.db.selectFrom('inbox').selectAll().execute()).toEqual([]);
  });

  it('stores times in one sortable form, and the zero endsAt as no end', async () => {
    await hook(
      notification([
        { fingerprint: 'a', startsAt: '2026-11-22T11:00:00.123456789+01:00', endsAt: '0001-01-01T00:00:00Z' },
        { fingerprint: 'b', startsAt: '2026-11-22T10:00:00z' },
      ]),
    ).expect(200);
    await t.inbox.drained();
    const alerts = await t.db
      .selectFrom('alerts')
      .select(['fingerprint', 'starts_at', 'ends_at'])
      .orderBy('fingerprint')
      .execute();
    expect(alerts).toEqual([
      { fingerprint: 'a', starts_at: '2026-11-22T10:00:00.123Z', ends_at: null },
      { fingerprint: 'b', starts_at: '2026-11-22T10:00:00.000Z', ends_at: null },
    ]);
  });

  it('refuses query and body times that are not RFC 3339', async () => {
    for (const query of [
      'since=1',
      'until=2026',
      'since=%2B275760-09-13T00:00:00.000Z',
      'since=2026-11-22',
      'since=10000-01-01T00:00:00Z',
    ]) {
      const res = await request(t.app).get(`/api/v1/incidents?${query}`).set(as).expect(400);
      expect(res.body.error.details).toEqual([
        { field: query.split('=')[0], message: 'must be an RFC 3339 timestamp' },
      ]);
    }
    await request(t.app).get('/api/v1/incidents?since=2026-11-22T10:00:00%2B01:00').set(as).expect(200);
    await request(t.app).get('/api/v1/reports/sla?from=1&to=2').set(as).expect(400);
    await request(t.app).get('/api/v1/oncall?at=1').set(as).expect(400);
    const res = await request(t.app)
      .post('/api/v1/maintenance')
      .set(as)
      .send({ matchers: 'service="db"', ends_at: '+275760-09-13T00:00:00.000Z' })
      .expect(400);
    expect(res.body.error.details).toEqual([{ field: 'ends_at', message: 'must be an RFC 3339 timestamp' }]);
  });

  it('refuses configured window times that are not RFC 3339', () => {
    const windowAt = (starts_at: unknown) =>
      parseConfig(
        {
          maintenance_windows: [
            { name: 'w', matchers: 'service="db"', starts_at, ends_at: '2026-12-02T00:00:00Z' },
          ],
        },
        {},
      );
    expect(() => windowAt('1')).toThrow(/must be an RFC 3339 time/);
    expect(() => windowAt(new Date('+275760-09-13T00:00:00.000Z'))).toThrow(/must be an RFC 3339 time/);
    expect(windowAt(new Date('2026-12-01T00:00:00Z')).maintenance_windows[0]?.starts_at).toBe(
      '2026-12-01T00:00:00.000Z',
    );
  });
});
