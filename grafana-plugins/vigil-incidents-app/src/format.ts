import { dateTimeFormat, dateTimeFormatTimeAgo } from '@grafana/data';

export const formatTime = (iso: string | null | undefined) => (iso ? dateTimeFormat(iso) : '—');
export const timeAgo = (iso: string) => dateTimeFormatTimeAgo(iso);

const UNITS = [
  ['d', 86400],
  ['h', 3600],
  ['m', 60],
  ['s', 1],
] as const;

/** The largest unit and the next one down: 75 → "1m 15s", 900 → "15m", 7380 → "2h 3m"; null → "—". */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const total = Math.round(seconds);
  const i = UNITS.findIndex(([, size]) => total >= size);
  const big = UNITS[i];
  if (!big) return '0s';
  const next = UNITS[i + 1];
  const first = `${Math.floor(total / big[1])}${big[0]}`;
  const second = next ? Math.floor((total % big[1]) / next[1]) : 0;
  return next && second ? `${first} ${second}${next[0]}` : first;
}

/** "1 incident", "2 incidents". */
export const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export const formatPercent = (ratio: number | null) =>
  ratio === null ? '—' : `${(ratio * 100).toFixed(1)}%`;

/** Only web links are rendered as links: a `javascript:` generator URL from a payload stays text. */
export function safeHttpUrl(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}
