import { fireEvent, render, screen } from '@testing-library/react';
import { testIds } from '../../testIds';
import { gridLayout, visibleRange } from './layout';
import { TileGrid } from './TileGrid';

describe('gridLayout', () => {
  it('fits as many columns of the minimum width as the width allows, stretching them', () => {
    expect(gridLayout(6, 620, 500, 150, 60)).toMatchObject({ columns: 4, tileWidth: 152, totalHeight: 124 });
  });

  it('keeps one column on a narrow panel and leaves room for the scrollbar once tiles overflow', () => {
    expect(gridLayout(3, 100, 500, 150, 60).columns).toBe(1);
    // 390 px (a phone): two columns; 1,000 tiles overflow, so the scrollbar's width is taken off.
    const phone = gridLayout(1000, 390, 600, 150, 60);
    expect(phone).toMatchObject({ columns: 2, tileWidth: (390 - 12 - 4) / 2, totalHeight: 500 * 64 - 4 });
  });
});

it('visibleRange covers the rows in view plus the overscan', () => {
  const layout = gridLayout(1000, 632, 300, 150, 60); // 4 columns (after the scrollbar), 64 px rows
  expect(visibleRange(layout, 1000, 0, 300)).toEqual([0, 24]); // rows 0-4 in view, 1 more
  expect(visibleRange(layout, 1000, 640, 300)).toEqual([36, 64]); // rows 10-14, from row 9 to 15
  expect(visibleRange(layout, 1000, 64 * 250, 300)[1]).toBe(1000);
});

it('mounts only the tiles in view and follows the scroll', () => {
  const items = Array.from({ length: 1000 }, (_, i) => `s${i}`);
  render(
    <TileGrid
      items={items}
      width={632}
      height={300}
      minTileWidth={150}
      tileHeight={60}
      renderTile={(item, style) => (
        <div key={item} data-testid="item" style={{ position: 'absolute', ...style }}>
          {item}
        </div>
      )}
    />,
  );
  expect(screen.getAllByTestId('item')).toHaveLength(24);
  expect(screen.getByText('s5')).toHaveStyle({ left: '156px', top: '64px' });
  fireEvent.scroll(screen.getByTestId(testIds.grid), { target: { scrollTop: 640 } });
  expect(screen.queryByText('s0')).toBeNull();
  expect(screen.getByText('s40')).toBeInTheDocument();
});
