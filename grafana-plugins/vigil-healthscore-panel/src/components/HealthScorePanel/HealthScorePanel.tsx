import { css } from '@emotion/css';
import { useCallback, useMemo, useState } from 'react';
import type { GrafanaTheme2, PanelProps } from '@grafana/data';
import { useStyles2, useTheme2 } from '@grafana/ui';
import { bandColor, DEFAULT_THRESHOLDS } from '../../health/bands';
import { drilldownLinks } from '../../health/links';
import { optionProblems } from '../../health/score';
import { scoreConflicts, servicesFromFrames, type ServiceHealth } from '../../health/services';
import { testIds } from '../../testIds';
import { DEFAULT_OPTIONS, type HealthScoreOptions } from '../../types';
import { ServiceDetails } from '../ServiceDetails/ServiceDetails';
import { ServiceTile } from '../ServiceTile/ServiceTile';
import { TileGrid } from '../TileGrid/TileGrid';

const TILE_HEIGHT = { withSparkline: 64, plain: 48 };
const PROBLEMS_HEIGHT = 24;

/** Every service as a tile coloured by its health-score band, worst first. */
export function HealthScorePanel({
  data,
  options,
  fieldConfig,
  width,
  height,
  timeRange,
  replaceVariables,
}: PanelProps<HealthScoreOptions>) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const now = timeRange.to.valueOf();
  const services = useMemo(() => servicesFromFrames(data.series, options, now), [data.series, options, now]);
  const problems = useMemo(
    () => [...optionProblems(options), ...scoreConflicts(services)],
    [options, services],
  );
  const thresholds = fieldConfig.defaults.thresholds ?? DEFAULT_THRESHOLDS;
  // Only for the tiles in view: with thousands of services, most are never coloured. A service's own field
  // carries the defaults with the overrides that match it (a stricter band for one service), as Grafana
  // applies them.
  const colorOf = (health: ServiceHealth) =>
    bandColor(theme, health.score, health.linkSource?.field.config.thresholds ?? thresholds);
  const [selected, setSelected] = useState<string>();
  const [hovered, setHovered] = useState<string>();
  const onSelect = useCallback(
    (service: string) => setSelected((s) => (s === service ? undefined : service)),
    [],
  );
  const shown = services.find((s) => s.service === (hovered ?? selected));

  const problemsHeight = problems.length > 0 ? PROBLEMS_HEIGHT : 0;
  return (
    <div data-testid={testIds.panel} className={styles.root} style={{ width, height }}>
      {problems.length > 0 && (
        <div data-testid={testIds.problems} className={styles.problems} title={problems.join('\n')}>
          Check the panel&apos;s options and queries: {problems.join('; ')}
        </div>
      )}
      {services.length === 0 ? (
        <div data-testid={testIds.empty} className={styles.empty}>
          No data: no series with a &quot;{options.serviceLabel}&quot; label in the query results.
        </div>
      ) : (
        <TileGrid
          items={services}
          width={width}
          height={height - problemsHeight}
          minTileWidth={options.minTileWidth > 0 ? options.minTileWidth : DEFAULT_OPTIONS.minTileWidth}
          tileHeight={options.showSparkline ? TILE_HEIGHT.withSparkline : TILE_HEIGHT.plain}
          renderTile={(health, style) => (
            <ServiceTile
              key={health.service}
              health={health}
              color={colorOf(health)}
              style={style}
              showSparkline={options.showSparkline}
              selected={health.service === selected}
              onSelect={onSelect}
              onHover={setHovered}
            />
          )}
        />
      )}
      {shown && (
        <ServiceDetails
          health={shown}
          color={colorOf(shown)}
          links={drilldownLinks(shown, options.drilldownUrl, replaceVariables)}
          pinned={shown.service === selected}
          onClose={() => setSelected(undefined)}
        />
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  root: css({ position: 'relative', overflow: 'hidden' }),
  problems: css({
    height: PROBLEMS_HEIGHT,
    padding: theme.spacing(0, 1),
    color: theme.colors.warning.text,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
  empty: css({
    display: 'flex',
    height: '100%',
    alignItems: 'center',
    justifyContent: 'center',
    textAlign: 'center',
    color: theme.colors.text.secondary,
  }),
});
