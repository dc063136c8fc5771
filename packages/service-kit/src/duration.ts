import { z } from 'zod';

/** A day's length as a duration ("1d"); a calendar day in a time zone can be 23 or 25 hours. */
export const DAY_MS = 86_400_000;

const UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: DAY_MS,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** Prometheus's grammar: units largest first, each at most once ("1h30m", not "30m1h" nor "1m1m"). */
const GRAMMAR = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;

/** Parses Prometheus-style durations ("30s", "1h30m", "0s") into milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  if (text === '' || !GRAMMAR.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) {
    total += Number(amount) * (UNITS_MS[unit as string] as number);
  }
  return total;
}

/** The units, largest first, in which a duration is written (weeks and years read worse). */
const WRITE_UNITS: [unit: string, ms: number][] = [
  ['d', DAY_MS],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** The inverse of parseDuration: 5400000 → "1h30m", 0 → "0s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const [unit, size] of WRITE_UNITS) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text;
}

/** A duration in configuration ("30s", "5m", "0s"), as milliseconds. */
export const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `invalid duration "${text}" (expected e.g. 500ms, 30s, 5m, 1h30m)`,
    });
    return z.NEVER;
  }
  return ms;
});

/** A duration that must be longer than zero (intervals, timeouts). */
export const positiveDuration = duration.refine((ms) => ms > 0, 'must be longer than 0s');

/** The longest a Node timer waits (2^31 - 1 ms); a longer one fires at once, again and again. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** An interval or timeout that a timer waits for: longer than zero, and at most MAX_TIMER_MS. */
export const timerDuration = positiveDuration.refine(
  (ms) => ms <= MAX_TIMER_MS,
  `must be at most ${formatDuration(MAX_TIMER_MS)} (a timer cannot wait longer)`,
);
