import { formatSeconds, plural, safeHttpUrl } from './format';

it('formats durations in their two largest units', () => {
  expect([0, 0.4, 59, 75, 900, 3600, 7380, 86_400, 90_061, 3 * 86_400 + 7200].map(formatSeconds)).toEqual([
    '0s',
    '0s',
    '59s',
    '1m 15s',
    '15m',
    '1h',
    '2h 3m',
    '1d',
    '1d 1h',
    '3d 2h',
  ]);
  expect(formatSeconds(null)).toBe('—');
  expect(formatSeconds(Number.NaN)).toBe('—');
});

it('counts with the right plural', () => {
  expect([plural(1, 'incident'), plural(0, 'incident'), plural(3, 'occurrence')]).toEqual([
    '1 incident',
    '0 incidents',
    '3 occurrences',
  ]);
});

it('makes links only of web addresses', () => {
  expect(safeHttpUrl('https://runbooks.local/x?a=1')).toBe('https://runbooks.local/x?a=1');
  expect(safeHttpUrl('javascript:alert(1)')).toBeUndefined();
  expect(safeHttpUrl('data:text/html,<b>x</b>')).toBeUndefined();
  expect(safeHttpUrl('not a url')).toBeUndefined();
  expect(safeHttpUrl(null)).toBeUndefined();
});
