import { css } from '@emotion/css';
import { useState, type ReactNode } from 'react';
import { useStyles2 } from '@grafana/ui';
import { testIds } from '../../testIds';
import { gridLayout, visibleRange, GAP } from './layout';

/** Where a tile goes, in pixels within the grid. */
export interface TileStyle {
  left: number;
  top: number;
  width: number;
  height: number;
}

interface Props<T> {
  items: T[];
  width: number;
  height: number;
  minTileWidth: number;
  tileHeight: number;
  renderTile: (item: T, style: TileStyle) => ReactNode;
}

/**
 * A scrolling grid that mounts only the tiles in view (and a row either side), so thousands of services
 * cost what a screenful costs.
 */
export function TileGrid<T>({ items, width, height, minTileWidth, tileHeight, renderTile }: Props<T>) {
  const styles = useStyles2(getStyles);
  const [scrollTop, setScrollTop] = useState(0);
  const layout = gridLayout(items.length, width, height, minTileWidth, tileHeight);
  const [first, end] = visibleRange(layout, items.length, scrollTop, height);
  const tiles: ReactNode[] = [];
  for (let i = first; i < end; i++) {
    const column = i % layout.columns;
    const row = Math.floor(i / layout.columns);
    tiles.push(
      renderTile(items[i]!, {
        left: column * (layout.tileWidth + GAP),
        top: row * layout.rowHeight,
        width: layout.tileWidth,
        height: layout.tileHeight,
      }),
    );
  }
  return (
    <div
      data-testid={testIds.grid}
      className={styles.scroller}
      style={{ width, height }}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <div className={styles.canvas} style={{ height: layout.totalHeight }}>
        {tiles}
      </div>
    </div>
  );
}

const getStyles = () => ({
  scroller: css({ overflowY: 'auto', overflowX: 'hidden', position: 'relative' }),
  canvas: css({ position: 'relative', width: '100%', contain: 'layout paint' }),
});
