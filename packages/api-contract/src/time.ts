import { z } from 'zod';
import { components } from './registry';

/**
 * RFC 3339 date-times, as Alertmanager writes them (Go's time.RFC3339Nano): `2026-11-22T10:00:00Z`,
 * `2026-11-22T10:00:00.123456789+01:00`. Nothing else that Date.parse would take: no bare numbers (`"1"` is
 * 2001 to V8), no expanded years (`+275760-…`), no dates without a time. Years 0001–9999, also once moved
 * to UTC, so that every stored time has the one form `YYYY-MM-DDTHH:MM:SS.sssZ`, which sorts as text.
 * A leap second (`:60`) is refused, as Go refuses it.
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** 0001-01-01T00:00:00.000Z, Go's zero time, and 9999-12-31T23:59:59.999Z. */
const MIN_MS = -62_135_596_800_000;
const MAX_MS = 253_402_300_799_999;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const daysIn = (year: number, month: number) =>
  month === 2 && leap(year) ? 29 : (DAYS[month - 1] as number);

/** Milliseconds since the epoch (sub-millisecond digits cut off), or undefined when not RFC 3339 in range. */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offset = 0;
  if (m[8] !== undefined) {
    const [oh, om] = [Number(m[9]), Number(m[10])];
    if (oh > 23 || om > 59) return undefined;
    offset = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, takes years 0–99 as they are.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute - offset, second, ms);
  const at = date.getTime();
  return at < MIN_MS || at > MAX_MS ? undefined : at;
}

export const RFC3339_PROBLEM = 'must be an RFC 3339 timestamp';

/** A valid RFC 3339 string, kept as sent. */
export const rfc3339String = z.string().refine((s) => parseRfc3339(s) !== undefined, RFC3339_PROBLEM);

/** An RFC 3339 string, normalised to the stored form. */
export const rfc3339 = rfc3339String.transform((s) => new Date(parseRfc3339(s) as number).toISOString());

/** A time in a response: always UTC with milliseconds, `2026-11-22T10:00:00.000Z` (RFC 3339). */
export const timestamp = z.iso
  .datetime()
  .register(components, { description: 'RFC 3339 time in UTC', example: '2026-11-22T10:00:00.000Z' });
