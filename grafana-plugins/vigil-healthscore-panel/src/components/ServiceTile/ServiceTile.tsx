import { css, cx } from '@emotion/css';
import { memo } from 'react';
import type { GrafanaTheme2 } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import type { ServiceHealth } from '../../health/services';
import { testIds } from '../../testIds';
import { Sparkline } from '../Sparkline/Sparkline';
import type { TileStyle } from '../TileGrid/TileGrid';

interface Props {
  health: ServiceHealth;
  color: string;
  style: TileStyle;
  showSparkline: boolean;
  selected: boolean;
  onSelect: (service: string) => void;
  onHover: (service: string | undefined) => void;
}

const PADDING = 8;
const SCORE_WIDTH = 44;

/** What a tile says instead of a number when the score is unknown. */
export const scoreLabel = (health: ServiceHealth) =>
  health.score !== undefined
    ? String(Math.round(health.score))
    : health.state === 'stale'
      ? 'Stale'
      : 'No data';

/** One service: its name, its score on its band's colour, and the score's trend. */
export const ServiceTile = memo(function ServiceTile({
  health,
  color,
  style,
  showSparkline,
  selected,
  onSelect,
  onHover,
}: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const text = theme.colors.getContrastText(color);
  const label = scoreLabel(health);
  const sparkWidth = style.width - 2 * PADDING - SCORE_WIDTH;
  return (
    <button
      type="button"
      data-testid={testIds.tile}
      data-service={health.service}
      data-state={health.state}
      aria-pressed={selected}
      aria-label={`${health.service}: health score ${label}`}
      className={cx(styles.tile, health.state !== 'ok' && styles.unknown, selected && styles.selected)}
      style={{ ...style, background: color, color: text }}
      onClick={() => onSelect(health.service)}
      onMouseEnter={() => onHover(health.service)}
      onMouseLeave={() => onHover(undefined)}
      onFocus={() => onHover(health.service)}
      onBlur={() => onHover(undefined)}
    >
      <span className={styles.name} title={health.service}>
        {health.service}
      </span>
      <span className={health.state === 'ok' ? styles.score : styles.unknownLabel}>{label}</span>
      {showSparkline && sparkWidth > 16 && (
        <Sparkline {...health.trend} width={sparkWidth} height={22} color={text} />
      )}
    </button>
  );
});

const getStyles = (theme: GrafanaTheme2) => ({
  tile: css({
    position: 'absolute',
    display: 'grid',
    gridTemplateColumns: `${SCORE_WIDTH}px 1fr`,
    gridTemplateRows: 'auto 1fr',
    alignItems: 'end',
    padding: `${theme.spacing(0.5)} ${PADDING}px`,
    border: `1px solid transparent`,
    borderRadius: theme.shape.radius.default,
    textAlign: 'left',
    cursor: 'pointer',
    overflow: 'hidden',
    // A tile's size is fixed: its layout and paint never affect the rest, which keeps big grids cheap.
    contain: 'strict',
    '&:focus-visible': { outline: `2px solid ${theme.colors.primary.main}`, outlineOffset: 1 },
  }),
  unknown: css({ borderStyle: 'dashed', borderColor: theme.colors.border.strong }),
  selected: css({ borderColor: theme.colors.text.maxContrast, boxShadow: theme.shadows.z2 }),
  name: css({
    gridColumn: '1 / -1',
    alignSelf: 'start',
    fontSize: theme.typography.bodySmall.fontSize,
    fontWeight: theme.typography.fontWeightMedium,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
  score: css({
    fontSize: theme.typography.h3.fontSize,
    fontWeight: theme.typography.fontWeightBold,
    lineHeight: 1,
  }),
  unknownLabel: css({ fontSize: theme.typography.bodySmall.fontSize, whiteSpace: 'nowrap' }),
});
