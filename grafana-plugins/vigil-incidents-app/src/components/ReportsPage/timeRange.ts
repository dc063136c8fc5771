import { dateMath, dateTime, type RawTimeRange, type TimeRange } from '@grafana/data';

/** The page's range when the URL names none: the last 30 days, as a dashboard's default time picker does. */
export const DEFAULT_RANGE: RawTimeRange = { from: 'now-30d', to: 'now' };

/** A URL value as Grafana writes it: epoch milliseconds for an absolute time, else date math ("now-7d"). */
const fromUrl = (value: string) => (/^\d+$/.test(value) ? dateTime(Number(value)) : value);
const toUrl = (value: RawTimeRange['from']) => (typeof value === 'string' ? value : String(value.valueOf()));

/** `from` and `to` of the URL, as Grafana's dashboards keep them, resolved to times. */
export function readRange(params: URLSearchParams): TimeRange {
  const from = params.get('from');
  const to = params.get('to');
  const raw = from && to ? { from: fromUrl(from), to: fromUrl(to) } : DEFAULT_RANGE;
  const range = resolve(raw);
  return range && range.from.valueOf() < range.to.valueOf() ? range : (resolve(DEFAULT_RANGE) as TimeRange);
}

/**
 * Both ends at one `now` (rangeUtil.convertRawToRange reads the clock once per end, so "now-30d" to "now"
 * could span a millisecond more than 30 days); undefined when either end is not a time.
 */
function resolve(raw: RawTimeRange): TimeRange | undefined {
  const now = dateTime();
  const from = dateMath.toDateTime(raw.from, { roundUp: false, now });
  const to = dateMath.toDateTime(raw.to, { roundUp: true, now });
  return from?.isValid() && to?.isValid() ? { from, to, raw } : undefined;
}

/** The URL's `from` and `to` for a range chosen in the picker. */
export function writeRange(range: TimeRange): { from: string; to: string } {
  return { from: toUrl(range.raw.from), to: toUrl(range.raw.to) };
}

/** The range moved back or forward by its own span, or widened to twice its span around its middle (zoom out). */
export function shiftRange(range: TimeRange, how: 'back' | 'forward' | 'zoom'): TimeRange {
  const from = range.from.valueOf();
  const to = range.to.valueOf();
  const span = to - from;
  const [start, end] =
    how === 'zoom'
      ? [from - span / 2, to + span / 2]
      : how === 'back'
        ? [from - span, from]
        : [to, to + span];
  const absolute = { from: dateTime(start), to: dateTime(end) };
  return { ...absolute, raw: absolute };
}
