import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

export interface Bar {
  label: string;
  value: number;
  /** The figure shown beside the bar (its value formatted, or more). */
  text: string;
}

/** Labelled bars, longest = `max` (default: the largest value); wraps to two lines on a phone. */
export function HorizontalBars({ bars, max, label }: { bars: Bar[]; max?: number; label: string }) {
  const s = useStyles2(getStyles);
  const top = max ?? Math.max(0, ...bars.map((b) => b.value));
  return (
    <ul className={s.list} aria-label={label}>
      {bars.map((b) => (
        <li key={b.label} className={s.row}>
          <span className={s.label}>{b.label}</span>
          <span className={s.track}>
            <span
              className={s.bar}
              style={{ width: `${top > 0 ? Math.min(100, (b.value / top) * 100) : 0}%` }}
              aria-hidden
            />
          </span>
          <span className={s.value}>{b.text}</span>
        </li>
      ))}
    </ul>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({ listStyle: 'none', margin: 0, padding: 0, display: 'grid', gap: theme.spacing(0.75) }),
  row: css({
    display: 'grid',
    gridTemplateColumns: 'minmax(6rem, 14rem) 1fr max-content',
    alignItems: 'center',
    gap: theme.spacing(1),
    [theme.breakpoints.down('sm')]: { gridTemplateColumns: '1fr max-content' },
  }),
  label: css({ overflowWrap: 'anywhere', [theme.breakpoints.down('sm')]: { gridColumn: '1 / -1' } }),
  track: css({
    height: theme.spacing(1.5),
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
    overflow: 'hidden',
  }),
  bar: css({ display: 'block', height: '100%', background: theme.colors.primary.main }),
  value: css({ fontVariantNumeric: 'tabular-nums' }),
});
