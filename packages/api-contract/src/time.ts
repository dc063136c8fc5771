import { z } from 'zod';
import { components } from './registry';

/** 0001-01-01T00:00:00.000Z, Go's zero time, and 9999-12-31T23:59:59.999Z, the last time RFC 3339 writes. */
const MIN_MS = -62_135_596_800_000;
export const MAX_MS = 253_402_300_799_999;

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const leap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const daysIn = (year: number, month: number) =>
  month === 2 && leap(year) ? 29 : (DAYS[month - 1] as number);

/** The ASCII digits of text[from, from + count) as a number, or -1. */
function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1; // NaN past the end
    value = value * 10 + d;
  }
  return value;
}

/**
 * RFC 3339 date-times, as Alertmanager writes them (Go's time.RFC3339Nano): `2026-11-22T10:00:00Z`,
 * `2026-11-22T10:00:00.123456789+01:00`. Nothing else that Date.parse would take: no bare numbers (`"1"` is
 * 2001 to V8), no expanded years (`+275760-…`), no dates without a time. Years 0001–9999, also once moved
 * to UTC, so that every stored time has the one form `YYYY-MM-DDTHH:MM:SS.sssZ`, which sorts as text.
 * A leap second (`:60`) is refused, as Go refuses it.
 *
 * Milliseconds since the epoch (sub-millisecond digits cut off), or undefined when not RFC 3339 in range.
 * Read character by character, not with a regular expression: a storm's notification carries a hundred
 * times, and this runs for each on the event loop that answers Alertmanager.
 */
export function parseRfc3339(text: string): number | undefined {
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const t = text[10];
  if (text[4] !== '-' || text[7] !== '-' || (t !== 'T' && t !== 't') || text[13] !== ':' || text[16] !== ':')
    return undefined;
  let i = 19;
  let ms = 0;
  if (text[i] === '.') {
    const from = ++i;
    while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
    if (i === from) return undefined;
    for (let k = from; k < from + 3; k++) ms = ms * 10 + (k < i ? text.charCodeAt(k) - 48 : 0);
  }
  let offset = 0;
  const zone = text[i];
  if (zone === 'Z' || zone === 'z') {
    if (i + 1 !== text.length) return undefined;
  } else if (zone === '+' || zone === '-') {
    const oh = digits(text, i + 1, 2);
    const om = digits(text, i + 4, 2);
    if (i + 6 !== text.length || text[i + 3] !== ':' || oh < 0 || oh > 23 || om < 0 || om > 59)
      return undefined;
    offset = (zone === '-' ? -1 : 1) * (oh * 60 + om);
  } else return undefined;
  let at = Date.UTC(year, month - 1, day, hour, minute - offset, second, ms);
  if (year < 100) {
    // Date.UTC takes years 0–99 as 1900–1999; setUTCFullYear takes them as they are.
    const date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    date.setUTCHours(hour, minute - offset, second, ms);
    at = date.getTime();
  }
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
