import { render, screen } from '@testing-library/react';
import { Sparkline, sparklinePath } from './Sparkline';
import { testIds } from '../../testIds';

describe('sparklinePath', () => {
  it('maps time to x and 0-100 to y, top being 100', () => {
    expect(sparklinePath([1000, 2000, 3000], [100, 50, 0], 100, 20)).toBe('M0.0 0.0L50.0 10.0L100.0 20.0');
  });

  it('breaks the line at NaN and clamps values out of range', () => {
    expect(sparklinePath([0, 1, 2, 3], [120, NaN, -5, 50], 30, 10)).toBe('M0.0 0.0M20.0 10.0L30.0 5.0');
  });

  it('is empty when no value is finite', () => {
    expect(sparklinePath([0, 1], [NaN, NaN], 30, 10)).toBe('');
  });
});

it('renders nothing without a finite value, a path otherwise', () => {
  const { rerender } = render(
    <Sparkline times={[0, 1]} values={[NaN, NaN]} width={30} height={10} color="red" />,
  );
  expect(screen.queryByTestId(testIds.sparkline)).toBeNull();
  rerender(<Sparkline times={[0, 1]} values={[10, 90]} width={30} height={10} color="red" />);
  expect(screen.getByTestId(testIds.sparkline).querySelector('path')).toHaveAttribute(
    'd',
    'M0.0 9.0L30.0 1.0',
  );
});
