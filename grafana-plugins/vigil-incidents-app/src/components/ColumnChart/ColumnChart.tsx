import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { testIds } from '../../testIds';

export interface ColumnPoint {
  label: string;
  /** null: nothing to show that day (e.g. no incident to average), drawn as a gap rather than zero. */
  value: number | null;
}

interface Props {
  title: string;
  points: ColumnPoint[];
  format: (value: number) => string;
  color?: string;
}

const HEIGHT = 100;
const SLOT = 10;

/** A small column chart (one column per day) in SVG that scales to its container's width. */
export function ColumnChart({ title, points, format, color }: Props) {
  const s = useStyles2(getStyles);
  const theme = useTheme2();
  const fill = color ?? theme.colors.primary.main;
  const values = points.flatMap((p) => (p.value === null ? [] : [p.value]));
  const max = Math.max(0, ...values);
  const first = points[0];
  const last = points[points.length - 1];
  return (
    <figure className={s.figure} data-testid={testIds.reports.chart}>
      <figcaption className={s.caption}>
        {title}
        <span className={s.weak}>{values.length ? `max ${format(max)}` : 'no data'}</span>
      </figcaption>
      <svg
        className={s.svg}
        viewBox={`0 0 ${Math.max(points.length, 1) * SLOT} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={title}
      >
        {points.map((p, i) =>
          p.value === null ? null : (
            <rect
              key={p.label}
              x={i * SLOT + 1}
              width={SLOT - 2}
              y={HEIGHT - (max ? (p.value / max) * HEIGHT : 0)}
              height={max ? (p.value / max) * HEIGHT : 0}
              fill={fill}
            >
              <title>{`${p.label}: ${format(p.value)}`}</title>
            </rect>
          ),
        )}
      </svg>
      {first && last && (
        <div className={s.axis}>
          <span>{first.label}</span>
          <span>{last.label}</span>
        </div>
      )}
    </figure>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  figure: css({ margin: 0, minWidth: 0 }),
  caption: css({
    display: 'flex',
    justifyContent: 'space-between',
    gap: theme.spacing(1),
    marginBottom: theme.spacing(0.5),
  }),
  svg: css({
    display: 'block',
    width: '100%',
    height: 120,
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
  }),
  axis: css({
    display: 'flex',
    justifyContent: 'space-between',
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  weak: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
});
