/** Wall-clock dates and times in IANA time zones, on top of Intl (no time-zone library needed). */

import { DAY_MS } from '@vigil/service-kit';

export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export interface WallTime {
  hour: number;
  minute: number;
}

/**
 * Date.UTC for any year: Date.UTC takes years 0–99 as 1900–1999, and the API's times run from year 0001.
 * Fields out of range roll over, as Date.UTC's do (day 32 is the next month's first).
 */
export function utc(year: number, month0: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month0, day);
  d.setUTCHours(hour, minute, second, 0);
  return d.getTime();
}

// Building a DateTimeFormat is costly; one per zone is reused.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The canonical name of an IANA time zone ("europe/berlin" → "Europe/Berlin"); undefined if unknown. */
export function canonicalTimeZone(name: string): string | undefined {
  try {
    return formatter(name).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** The wall clock in the zone at an instant, written as if it were UTC (whole seconds). */
function wallClock(instant: number, timeZone: string): number {
  const part: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) part[p.type] = Number(p.value);
  return utc(part.year!, part.month! - 1, part.day!, part.hour, part.minute, part.second);
}

function offsetAt(instant: number, timeZone: string): number {
  return wallClock(instant, timeZone) - Math.floor(instant / 1000) * 1000;
}

/** The date and the time (to the minute) on the zone's wall clock at `instant`. */
function wallDateTime(instant: Date, timeZone: string): { date: LocalDate; time: WallTime } {
  const wall = new Date(wallClock(instant.getTime(), timeZone));
  return {
    date: { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() },
    time: { hour: wall.getUTCHours(), minute: wall.getUTCMinutes() },
  };
}

export function localDateAt(instant: Date, timeZone: string): LocalDate {
  return wallDateTime(instant, timeZone).date;
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(utc(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function daysBetween(from: LocalDate, to: LocalDate): number {
  return (utc(to.year, to.month - 1, to.day) - utc(from.year, from.month - 1, from.day)) / DAY_MS;
}

/**
 * The instant a wall-clock time happens in a zone, resolving DST the way Temporal's "compatible" mode
 * (and RFC 5545) do: a time skipped by spring-forward is moved later by the length of the gap (02:30 in
 * a 02:00→03:00 gap is 03:30), and a time repeated by fall-back is its first occurrence.
 */
export function zonedInstant(date: LocalDate, time: WallTime, timeZone: string): Date {
  const wall = utc(date.year, date.month - 1, date.day, time.hour, time.minute);
  // No zone changes its offset twice within two days, so the offsets a day either side are the only
  // ones this wall time can have.
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const valid = [wall - before, wall - after].filter((t) => offsetAt(t, timeZone) === wall - t);
  return new Date(valid.length > 0 ? Math.min(...valid) : wall - before);
}

/**
 * The same wall-clock time `days` calendar days before `instant` in the zone (to the minute): a week
 * before a Monday 08:00 is the Monday 08:00 before it, 167 or 169 hours back across a DST change.
 */
export function daysBefore(instant: Date, days: number, timeZone: string): Date {
  const { date, time } = wallDateTime(instant, timeZone);
  return zonedInstant(addDays(date, -days), time, timeZone);
}
