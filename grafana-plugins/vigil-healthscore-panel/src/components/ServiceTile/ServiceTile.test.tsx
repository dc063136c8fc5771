import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ServiceHealth } from '../../health/services';
import { testIds } from '../../testIds';
import { ServiceTile } from './ServiceTile';

const style = { left: 0, top: 0, width: 160, height: 64 };
const health = (h: Partial<ServiceHealth>): ServiceHealth => ({
  service: 'checkout',
  state: 'ok',
  trend: { times: [0, 1], values: [80, 42.4] },
  signals: {},
  raw: {},
  ...h,
});

it('shows the service, its rounded score on the band colour and the trend; reports hover and click', async () => {
  const onSelect = jest.fn();
  const onHover = jest.fn();
  render(
    <ServiceTile
      health={health({ score: 42.4 })}
      color="rgb(242, 73, 92)"
      style={style}
      showSparkline
      selected={false}
      onSelect={onSelect}
      onHover={onHover}
    />,
  );
  const tile = screen.getByRole('button', { name: 'checkout: health score 42' });
  expect(tile).toHaveStyle({ background: 'rgb(242, 73, 92)' });
  expect(tile).toHaveAttribute('aria-pressed', 'false');
  expect(screen.getByTestId(testIds.sparkline)).toBeInTheDocument();
  await userEvent.hover(tile);
  expect(onHover).toHaveBeenLastCalledWith('checkout');
  await userEvent.click(tile);
  expect(onSelect).toHaveBeenCalledWith('checkout');
  await userEvent.unhover(tile);
  expect(onHover).toHaveBeenLastCalledWith(undefined);
});

it.each([
  ['stale', 'Stale'],
  ['nodata', 'No data'],
] as const)('says %s instead of a score', (state, label) => {
  render(
    <ServiceTile
      health={health({ state })}
      color="#808080"
      style={style}
      showSparkline={false}
      selected
      onSelect={jest.fn()}
      onHover={jest.fn()}
    />,
  );
  const tile = screen.getByRole('button', { name: `checkout: health score ${label}` });
  expect(tile).toHaveAttribute('data-state', state);
  expect(tile).toHaveAttribute('aria-pressed', 'true');
  expect(screen.queryByTestId(testIds.sparkline)).toBeNull();
});
