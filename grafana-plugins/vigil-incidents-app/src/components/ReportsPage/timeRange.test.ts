import { DEFAULT_RANGE, readRange, shiftRange, writeRange } from './timeRange';

const DAY = 86_400_000;
const NOV_1 = Date.UTC(2026, 10, 1);
const absolute = (from: number, to: number) =>
  readRange(new URLSearchParams({ from: String(from), to: String(to) }));
const span = (r: ReturnType<typeof readRange>) => [r.from.valueOf(), r.to.valueOf()];

describe('the report range in the URL', () => {
  it('reads epoch milliseconds as absolute times and writes them back the same', () => {
    const range = absolute(NOV_1, NOV_1 + 7 * DAY);
    expect(span(range)).toEqual([NOV_1, NOV_1 + 7 * DAY]);
    expect(writeRange(range)).toEqual({ from: String(NOV_1), to: String(NOV_1 + 7 * DAY) });
  });

  it('keeps date math as written, so a relative range stays relative', () => {
    const range = readRange(new URLSearchParams({ from: 'now-7d', to: 'now' }));
    expect(writeRange(range)).toEqual({ from: 'now-7d', to: 'now' });
    expect(range.to.valueOf() - range.from.valueOf()).toBeCloseTo(7 * DAY, -5);
  });

  it('falls back to the last 30 days when the URL has no range, an unreadable one, or one that ends first', () => {
    for (const params of [
      new URLSearchParams(),
      new URLSearchParams({ from: 'yesterday-ish', to: 'now' }),
      new URLSearchParams({ from: String(NOV_1 + DAY), to: String(NOV_1) }),
    ])
      expect(writeRange(readRange(params))).toEqual(DEFAULT_RANGE);
  });
});

describe('moving the report range', () => {
  const week = absolute(NOV_1, NOV_1 + 7 * DAY);

  it('moves back and forward by its own span, as absolute times', () => {
    expect(span(shiftRange(week, 'back'))).toEqual([NOV_1 - 7 * DAY, NOV_1]);
    expect(span(shiftRange(week, 'forward'))).toEqual([NOV_1 + 7 * DAY, NOV_1 + 14 * DAY]);
    expect(writeRange(shiftRange(week, 'forward'))).toEqual({
      from: String(NOV_1 + 7 * DAY),
      to: String(NOV_1 + 14 * DAY),
    });
  });

  it('zooms out to twice its span around its middle', () => {
    expect(span(shiftRange(week, 'zoom'))).toEqual([NOV_1 - 3.5 * DAY, NOV_1 + 10.5 * DAY]);
  });
});
