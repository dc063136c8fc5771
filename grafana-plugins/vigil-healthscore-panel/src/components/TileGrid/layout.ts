export interface GridLayout {
  columns: number;
  tileWidth: number;
  tileHeight: number;
  rowHeight: number;
  totalHeight: number;
}

export const GAP = 4;
/** Room left for the vertical scrollbar once the tiles overflow. */
const SCROLLBAR = 12;

/** As many columns of at least minTileWidth as fit in width (at least one), the tiles stretched to fill it. */
export function gridLayout(
  count: number,
  width: number,
  height: number,
  minTileWidth: number,
  tileHeight: number,
): GridLayout {
  const fit = (w: number) => Math.max(1, Math.floor((w + GAP) / (minTileWidth + GAP)));
  const rowHeight = tileHeight + GAP;
  let columns = fit(width);
  let usable = width;
  if (Math.ceil(count / columns) * rowHeight - GAP > height) {
    usable = width - SCROLLBAR;
    columns = fit(usable);
  }
  const rows = Math.ceil(count / columns);
  return {
    columns,
    tileWidth: Math.max(0, (usable - GAP * (columns - 1)) / columns),
    tileHeight,
    rowHeight,
    totalHeight: Math.max(0, rows * rowHeight - GAP),
  };
}

/** The indexes [first, end) of the items in the rows visible at scrollTop, plus `overscan` rows each side. */
export function visibleRange(
  layout: GridLayout,
  count: number,
  scrollTop: number,
  viewHeight: number,
  overscan = 1,
): [number, number] {
  const firstRow = Math.max(0, Math.floor(scrollTop / layout.rowHeight) - overscan);
  const endRow = Math.ceil((scrollTop + viewHeight) / layout.rowHeight) + overscan;
  return [Math.min(count, firstRow * layout.columns), Math.min(count, endRow * layout.columns)];
}
