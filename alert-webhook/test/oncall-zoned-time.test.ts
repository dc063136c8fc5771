import { addDays, canonicalTimeZone, daysBetween, localDateAt, zonedInstant } from '../src/oncall/zoned-time';

const at = (y: number, m: number, d: number, hour: number, minute: number, zone: string) =>
  zonedInstant({ year: y, month: m, day: d }, { hour, minute }, zone).toISOString();

describe('zonedInstant', () => {
  it('uses the offset in force on the day', () => {
    expect(at(2024, 1, 15, 9, 0, 'Europe/Berlin')).toBe('2024-01-15T08:00:00.000Z');
    expect(at(2024, 7, 15, 9, 0, 'Europe/Berlin')).toBe('2024-07-15T07:00:00.000Z');
    expect(at(2024, 7, 15, 9, 0, 'America/New_York')).toBe('2024-07-15T13:00:00.000Z');
    expect(at(2024, 7, 15, 9, 0, 'Asia/Kolkata')).toBe('2024-07-15T03:30:00.000Z');
    expect(at(2024, 7, 15, 9, 0, 'UTC')).toBe('2024-07-15T09:00:00.000Z');
  });

  it('moves a time in the spring-forward gap later by the length of the gap', () => {
    // Europe/Berlin, 2024-03-31: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist; it becomes 03:30 CEST.
    expect(at(2024, 3, 31, 2, 30, 'Europe/Berlin')).toBe('2024-03-31T01:30:00.000Z');
    expect(at(2024, 3, 31, 2, 0, 'Europe/Berlin')).toBe('2024-03-31T01:00:00.000Z');
    expect(at(2024, 3, 31, 1, 59, 'Europe/Berlin')).toBe('2024-03-31T00:59:00.000Z');
    expect(at(2024, 3, 31, 3, 0, 'Europe/Berlin')).toBe('2024-03-31T01:00:00.000Z');
    // America/New_York, 2024-03-10: 02:00 EST jumps to 03:00 EDT.
    expect(at(2024, 3, 10, 2, 30, 'America/New_York')).toBe('2024-03-10T07:30:00.000Z');
  });

  it('takes the first of the two occurrences of a time repeated at fall-back', () => {
    // America/New_York, 2024-11-03: 02:00 EDT falls back to 01:00 EST, so 01:30 happens at 05:30Z and 06:30Z.
    expect(at(2024, 11, 3, 1, 30, 'America/New_York')).toBe('2024-11-03T05:30:00.000Z');
    expect(at(2024, 11, 3, 0, 59, 'America/New_York')).toBe('2024-11-03T04:59:00.000Z');
    expect(at(2024, 11, 3, 2, 0, 'America/New_York')).toBe('2024-11-03T07:00:00.000Z');
    // Europe/Berlin, 2024-10-27: 03:00 CEST falls back to 02:00 CET.
    expect(at(2024, 10, 27, 2, 30, 'Europe/Berlin')).toBe('2024-10-27T00:30:00.000Z');
  });

  it('handles a zone whose DST shift is not an hour', () => {
    // Australia/Lord_Howe moves by 30 minutes: 02:00 → 02:30 on 2024-10-06.
    expect(at(2024, 10, 6, 2, 15, 'Australia/Lord_Howe')).toBe('2024-10-05T15:45:00.000Z');
  });
});

describe('local dates', () => {
  it('reads the date on the wall clock of the zone', () => {
    const instant = new Date('2024-11-03T03:30:00Z');
    expect(localDateAt(instant, 'UTC')).toEqual({ year: 2024, month: 11, day: 3 });
    expect(localDateAt(instant, 'America/New_York')).toEqual({ year: 2024, month: 11, day: 2 });
    expect(localDateAt(new Date('2024-12-31T23:30:00Z'), 'Europe/Berlin')).toEqual({
      year: 2025,
      month: 1,
      day: 1,
    });
  });

  it('counts and adds calendar days across month, year and DST changes', () => {
    expect(addDays({ year: 2024, month: 2, day: 28 }, 2)).toEqual({ year: 2024, month: 3, day: 1 });
    expect(addDays({ year: 2024, month: 12, day: 31 }, 1)).toEqual({ year: 2025, month: 1, day: 1 });
    expect(daysBetween({ year: 2024, month: 3, day: 30 }, { year: 2024, month: 4, day: 1 })).toBe(2);
    expect(daysBetween({ year: 2024, month: 1, day: 10 }, { year: 2024, month: 1, day: 3 })).toBe(-7);
  });

  it('takes years before 100 as written (Date.UTC takes them as 1900–1999)', () => {
    expect(addDays({ year: 50, month: 2, day: 28 }, 1)).toEqual({ year: 50, month: 3, day: 1 });
    expect(addDays({ year: 1, month: 1, day: 1 }, 2)).toEqual({ year: 1, month: 1, day: 3 });
    expect(daysBetween({ year: 99, month: 12, day: 31 }, { year: 100, month: 1, day: 1 })).toBe(1);
    expect(localDateAt(new Date('0050-03-01T12:00:00Z'), 'UTC')).toEqual({ year: 50, month: 3, day: 1 });
    expect(at(1, 1, 3, 0, 0, 'UTC')).toBe('0001-01-03T00:00:00.000Z');
  });

  it('names IANA zones canonically and knows unknown ones', () => {
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('Europe/Berln')).toBeUndefined();
  });
});
