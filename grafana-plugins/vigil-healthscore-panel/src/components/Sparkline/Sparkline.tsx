import type { Sample } from '../../health/services';
import { testIds } from '../../testIds';

interface Props {
  times: ArrayLike<number>;
  values: ArrayLike<Sample>;
  width: number;
  height: number;
  color: string;
}

/**
 * An SVG path of 0-100 values over time: x spans the first to the last time, y 0 (bottom) to 100 (top).
 * NaN values break the line, so a gap in the data shows as a gap.
 */
export function sparklinePath(
  times: ArrayLike<number>,
  values: ArrayLike<Sample>,
  width: number,
  height: number,
): string {
  const from = times[0] ?? 0;
  const span = (times[times.length - 1] ?? from) - from || 1;
  let path = '';
  let drawing = false;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      drawing = false;
      continue;
    }
    const x = ((times[i]! - from) / span) * width;
    const y = height - (Math.min(100, Math.max(0, value)) / 100) * height;
    path += `${drawing ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`;
    drawing = true;
  }
  return path;
}

/** The trend of a score, drawn without axes to fit in a tile. */
export function Sparkline({ times, values, width, height, color }: Props) {
  const d = sparklinePath(times, values, width, height);
  if (!d) return null;
  return (
    <svg
      data-testid={testIds.sparkline}
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      aria-hidden
    >
      <path d={d} fill="none" stroke={color} strokeWidth={1.5} strokeLinejoin="round" />
    </svg>
  );
}
