import { scheduleSchema } from '../src/oncall/schema';
import { shiftAt, type Rotation } from '../src/oncall/rotation';
import { nextShifts, whoIsOnCall, type OnCall, type Schedule } from '../src/oncall/schedule';

const schedule = (rotations: object[], overrides: object[] = []): Schedule =>
  scheduleSchema.parse({ name: 'primary', rotations, overrides });

const rotation = (fields: object = {}) => ({
  name: 'main',
  type: 'daily',
  handoff: '09:00',
  time_zone: 'UTC',
  start: '2024-05-01',
  participants: ['alice', 'bob'],
  ...fields,
});

/** An OnCall as one readable line: user, span and why. */
const line = (c: OnCall | undefined) =>
  c &&
  `${c.user} ${c.shiftStart.toISOString()} → ${c.shiftEnd.toISOString()} ${c.rotation ?? '-'}` +
    (c.override ? ' (override)' : '');

const who = (s: Schedule, iso: string) => line(whoIsOnCall(s, new Date(iso)));
const timeline = (s: Schedule, iso: string, n: number) => nextShifts(s, new Date(iso), n).map(line);

describe('daily rotation', () => {
  const daily = schedule([rotation({ participants: ['alice', 'bob', 'carol'] })]);

  it('hands off at the handoff time, in participant order, wrapping around', () => {
    expect(who(daily, '2024-05-01T09:00:00Z')).toBe(
      'alice 2024-05-01T09:00:00.000Z → 2024-05-02T09:00:00.000Z main',
    );
    expect(who(daily, '2024-05-02T08:59:59.999Z')).toMatch(/^alice /);
    expect(who(daily, '2024-05-02T09:00:00Z')).toMatch(/^bob /);
    expect(who(daily, '2024-05-03T12:00:00Z')).toMatch(/^carol /);
    expect(who(daily, '2024-05-04T09:00:00Z')).toMatch(/^alice /);
    // 366 days later: 366 % 3 = 0.
    expect(who(daily, '2025-05-02T10:00:00Z')).toBe(
      'alice 2025-05-02T09:00:00.000Z → 2025-05-03T09:00:00.000Z main',
    );
  });

  it('has nobody on call before the first handoff', () => {
    expect(whoIsOnCall(daily, new Date('2024-05-01T08:59:59Z'))).toBeUndefined();
    expect(whoIsOnCall(daily, new Date('2023-01-01T00:00:00Z'))).toBeUndefined();
    expect(timeline(daily, '2024-04-01T00:00:00Z', 1)).toEqual([
      'alice 2024-05-01T09:00:00.000Z → 2024-05-02T09:00:00.000Z main',
    ]);
  });
});

describe('DST', () => {
  it('Europe/Berlin, handoff 02:30 on the spring-forward day: the handoff happens at 03:30 CEST', () => {
    // 2024-03-31 02:00 CET → 03:00 CEST. The shift before is 24 hours, the one from the gap 23.
    const berlin = schedule([
      rotation({
        handoff: '02:30',
        time_zone: 'Europe/Berlin',
        start: '2024-03-29',
        participants: ['a', 'b', 'c'],
      }),
    ]);
    expect(timeline(berlin, '2024-03-30T12:00:00Z', 3)).toEqual([
      'b 2024-03-30T01:30:00.000Z → 2024-03-31T01:30:00.000Z main',
      'c 2024-03-31T01:30:00.000Z → 2024-04-01T00:30:00.000Z main',
      'a 2024-04-01T00:30:00.000Z → 2024-04-02T00:30:00.000Z main',
    ]);
    // 03:15 CEST is already the handoff day on the wall clock, but before the (moved) handoff.
    expect(who(berlin, '2024-03-31T01:15:00Z')).toMatch(/^b /);
    expect(who(berlin, '2024-03-31T01:30:00Z')).toMatch(/^c /);
  });

  it('America/New_York, handoff 01:30 on the fall-back day: one handoff, at the first 01:30', () => {
    // 2024-11-03 02:00 EDT → 01:00 EST: 01:30 comes twice (05:30Z and 06:30Z). The shift spanning it is 25 hours.
    const newYork = schedule([
      rotation({
        handoff: '01:30',
        time_zone: 'America/New_York',
        start: '2024-11-01',
        participants: ['a', 'b', 'c'],
      }),
    ]);
    expect(timeline(newYork, '2024-11-02T12:00:00Z', 3)).toEqual([
      'b 2024-11-02T05:30:00.000Z → 2024-11-03T05:30:00.000Z main',
      'c 2024-11-03T05:30:00.000Z → 2024-11-04T06:30:00.000Z main',
      'a 2024-11-04T06:30:00.000Z → 2024-11-05T06:30:00.000Z main',
    ]);
    expect(who(newYork, '2024-11-03T05:29:59Z')).toMatch(/^b /);
    // 01:15 and 01:45 EST, the second time round: c stays on, there is no second handoff.
    expect(who(newYork, '2024-11-03T06:15:00Z')).toMatch(/^c /);
    expect(who(newYork, '2024-11-03T06:45:00Z')).toMatch(/^c /);
  });

  it('keeps the wall-clock handoff time across a change of offset', () => {
    const berlin = schedule([rotation({ time_zone: 'Europe/Berlin', start: '2024-10-26' })]);
    expect(timeline(berlin, '2024-10-26T12:00:00Z', 2)).toEqual([
      'alice 2024-10-26T07:00:00.000Z → 2024-10-27T08:00:00.000Z main',
      'bob 2024-10-27T08:00:00.000Z → 2024-10-28T08:00:00.000Z main',
    ]);
  });
});

describe('weekly rotation', () => {
  // 2024-03-18 is a Monday: handoffs are Mondays 09:00 Berlin time, 08:00Z in winter and 07:00Z in summer.
  const weekly = schedule([
    rotation({
      type: 'weekly',
      time_zone: 'Europe/Berlin',
      start: '2024-03-18',
      participants: ['alice', 'bob'],
    }),
  ]);

  it('hands off on the weekday of its start date, at the handoff time', () => {
    expect(who(weekly, '2024-03-18T07:59:59Z')).toBeUndefined();
    expect(who(weekly, '2024-03-18T08:00:00Z')).toBe(
      'alice 2024-03-18T08:00:00.000Z → 2024-03-25T08:00:00.000Z main',
    );
    expect(who(weekly, '2024-03-24T23:59:59Z')).toMatch(/^alice /);
    expect(who(weekly, '2024-03-25T07:59:59.999Z')).toMatch(/^alice /);
    // This week contains the spring-forward: 167 hours.
    expect(who(weekly, '2024-03-25T08:00:00Z')).toBe(
      'bob 2024-03-25T08:00:00.000Z → 2024-04-01T07:00:00.000Z main',
    );
    expect(who(weekly, '2024-04-01T06:59:59Z')).toMatch(/^bob /);
    expect(who(weekly, '2024-04-01T07:00:00Z')).toMatch(/^alice /);
  });

  it('counts weeks correctly far from the start', () => {
    // 2025-01-06 is 42 weeks after 2024-03-18: alice's turn, in winter time again.
    expect(who(weekly, '2025-01-06T07:59:59Z')).toBe(
      'bob 2024-12-30T08:00:00.000Z → 2025-01-06T08:00:00.000Z main',
    );
    expect(who(weekly, '2025-01-06T08:00:00Z')).toBe(
      'alice 2025-01-06T08:00:00.000Z → 2025-01-13T08:00:00.000Z main',
    );
  });

  it('starts on any weekday', () => {
    const wednesday = schedule([rotation({ type: 'weekly', start: '2024-05-01', handoff: '17:30' })]);
    expect(timeline(wednesday, '2024-05-07T00:00:00Z', 2)).toEqual([
      'alice 2024-05-01T17:30:00.000Z → 2024-05-08T17:30:00.000Z main',
      'bob 2024-05-08T17:30:00.000Z → 2024-05-15T17:30:00.000Z main',
    ]);
  });
});

describe('overrides', () => {
  it('cover a shift boundary: the override runs unbroken, then the rotation resumes', () => {
    const s = schedule(
      [rotation()],
      [{ user: 'dave', from: '2024-05-02T08:00:00Z', to: '2024-05-02T10:00:00Z' }],
    );
    expect(timeline(s, '2024-05-01T12:00:00Z', 4)).toEqual([
      'alice 2024-05-01T09:00:00.000Z → 2024-05-02T08:00:00.000Z main',
      'dave 2024-05-02T08:00:00.000Z → 2024-05-02T10:00:00.000Z main (override)',
      'bob 2024-05-02T10:00:00.000Z → 2024-05-03T09:00:00.000Z main',
      'alice 2024-05-03T09:00:00.000Z → 2024-05-04T09:00:00.000Z main',
    ]);
    const during = whoIsOnCall(s, new Date('2024-05-02T09:30:00Z'));
    expect(during?.user).toBe('dave');
    expect(during?.override).toEqual({
      user: 'dave',
      from: new Date('2024-05-02T08:00:00Z'),
      to: new Date('2024-05-02T10:00:00Z'),
    });
  });

  it('in the middle of a shift split it in three', () => {
    const s = schedule(
      [rotation()],
      [{ user: 'dave', from: '2024-05-01T12:00:00Z', to: '2024-05-01T14:00:00Z' }],
    );
    expect(timeline(s, '2024-05-01T10:00:00Z', 3)).toEqual([
      'alice 2024-05-01T09:00:00.000Z → 2024-05-01T12:00:00.000Z main',
      'dave 2024-05-01T12:00:00.000Z → 2024-05-01T14:00:00.000Z main (override)',
      'alice 2024-05-01T14:00:00.000Z → 2024-05-02T09:00:00.000Z main',
    ]);
    expect(who(s, '2024-05-01T11:59:59Z')).toBe(
      'alice 2024-05-01T09:00:00.000Z → 2024-05-01T12:00:00.000Z main',
    );
    expect(who(s, '2024-05-01T14:00:00Z')).toBe(
      'alice 2024-05-01T14:00:00.000Z → 2024-05-02T09:00:00.000Z main',
    );
  });

  it('overlap: the later one in the list wins where both apply', () => {
    const dave = { user: 'dave', from: '2024-05-01T12:00:00Z', to: '2024-05-01T18:00:00Z' };
    const erin = { user: 'erin', from: '2024-05-01T14:00:00Z', to: '2024-05-01T15:00:00Z' };
    expect(timeline(schedule([rotation()], [dave, erin]), '2024-05-01T12:30:00Z', 4)).toEqual([
      'dave 2024-05-01T12:00:00.000Z → 2024-05-01T14:00:00.000Z main (override)',
      'erin 2024-05-01T14:00:00.000Z → 2024-05-01T15:00:00.000Z main (override)',
      'dave 2024-05-01T15:00:00.000Z → 2024-05-01T18:00:00.000Z main (override)',
      'alice 2024-05-01T18:00:00.000Z → 2024-05-02T09:00:00.000Z main',
    ]);
    expect(who(schedule([rotation()], [erin, dave]), '2024-05-01T14:30:00Z')).toBe(
      'dave 2024-05-01T12:00:00.000Z → 2024-05-01T18:00:00.000Z main (override)',
    );
    // An earlier one in the list, ended before now, does not shorten the later one that covers it.
    const frank = { user: 'frank', from: '2024-05-01T09:00:00Z', to: '2024-05-01T10:00:00Z' };
    const gina = { user: 'gina', from: '2024-05-01T08:00:00Z', to: '2024-05-01T12:00:00Z' };
    expect(who(schedule([rotation()], [frank, gina]), '2024-05-01T11:00:00Z')).toBe(
      'gina 2024-05-01T08:00:00.000Z → 2024-05-01T12:00:00.000Z - (override)',
    );
  });

  it('apply before the first rotation starts, standing in for no rotation', () => {
    const s = schedule(
      [rotation()],
      [{ user: 'carol', from: '2024-04-30T12:00:00Z', to: '2024-05-01T12:00:00Z' }],
    );
    expect(timeline(s, '2024-04-01T00:00:00Z', 2)).toEqual([
      'carol 2024-04-30T12:00:00.000Z → 2024-05-01T12:00:00.000Z - (override)',
      'alice 2024-05-01T12:00:00.000Z → 2024-05-02T09:00:00.000Z main',
    ]);
    expect(who(s, '2024-04-30T11:59:59Z')).toBeUndefined();
  });

  it('across the fall-back night keep exact instants', () => {
    const s = schedule(
      [rotation({ handoff: '01:30', time_zone: 'America/New_York', start: '2024-11-02' })],
      [{ user: 'dave', from: '2024-11-03T01:00:00-04:00', to: '2024-11-03T01:45:00-05:00' }],
    );
    expect(timeline(s, '2024-11-03T00:00:00Z', 3)).toEqual([
      'alice 2024-11-02T05:30:00.000Z → 2024-11-03T05:00:00.000Z main',
      'dave 2024-11-03T05:00:00.000Z → 2024-11-03T06:45:00.000Z main (override)',
      'bob 2024-11-03T06:45:00.000Z → 2024-11-04T06:30:00.000Z main',
    ]);
  });
});

describe('successive rotations', () => {
  const s = schedule([
    rotation({ name: 'old', participants: ['alice', 'bob'] }),
    rotation({
      name: 'new',
      type: 'weekly',
      start: '2024-05-06',
      handoff: '12:00',
      participants: ['carol', 'dave'],
    }),
  ]);

  it('hand over when the later one starts, cutting the running shift short', () => {
    expect(timeline(s, '2024-05-05T10:00:00Z', 4)).toEqual([
      'alice 2024-05-05T09:00:00.000Z → 2024-05-06T09:00:00.000Z old',
      'bob 2024-05-06T09:00:00.000Z → 2024-05-06T12:00:00.000Z old',
      'carol 2024-05-06T12:00:00.000Z → 2024-05-13T12:00:00.000Z new',
      'dave 2024-05-13T12:00:00.000Z → 2024-05-20T12:00:00.000Z new',
    ]);
  });

  it('do not depend on their order in the list', () => {
    const reversed = { ...s, rotations: [...s.rotations].reverse() };
    expect(timeline(reversed, '2024-05-05T10:00:00Z', 4)).toEqual(timeline(s, '2024-05-05T10:00:00Z', 4));
  });

  it('starting at the same instant: the later one in the list takes over', () => {
    const same = schedule([
      rotation({ name: 'first', participants: ['alice'] }),
      rotation({ name: 'second', participants: ['bob'] }),
    ]);
    expect(who(same, '2024-05-02T10:00:00Z')).toBe(
      'bob 2024-05-02T09:00:00.000Z → 2024-05-03T09:00:00.000Z second',
    );
  });
});

describe('shiftAt', () => {
  it('has no shift before the rotation starts', () => {
    const [main] = schedule([rotation()]).rotations;
    expect(shiftAt(main as Rotation, new Date('2024-05-01T08:59:59Z'))).toBeUndefined();
    expect(shiftAt(main as Rotation, new Date('2024-05-01T09:00:00Z'))?.user).toBe('alice');
  });
});

describe('nextShifts', () => {
  it('starts with the stretch under way and returns exactly the number asked for', () => {
    const s = schedule([rotation()]);
    const shifts = nextShifts(s, new Date('2024-06-01T10:00:00Z'), 10);
    expect(shifts).toHaveLength(10);
    expect(shifts[0]).toEqual(whoIsOnCall(s, new Date('2024-06-01T10:00:00Z')));
    for (const [i, shift] of shifts.slice(1).entries()) expect(shift.shiftStart).toEqual(shifts[i]!.shiftEnd);
    expect(nextShifts(s, new Date('2024-06-01T10:00:00Z'), 0)).toEqual([]);
  });

  it('stops when a schedule of overrides alone runs out', () => {
    const s: Schedule = {
      name: 'cover',
      rotations: [],
      overrides: [
        { user: 'dave', from: new Date('2024-05-01T00:00:00Z'), to: new Date('2024-05-02T00:00:00Z') },
      ],
    };
    expect(timeline(s, '2024-04-01T00:00:00Z', 5)).toEqual([
      'dave 2024-05-01T00:00:00.000Z → 2024-05-02T00:00:00.000Z - (override)',
    ]);
  });
});
