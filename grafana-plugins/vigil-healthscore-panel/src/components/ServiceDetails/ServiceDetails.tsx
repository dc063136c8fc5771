import { css } from '@emotion/css';
import { dateTimeFormat, formattedValueToString, getValueFormat, type GrafanaTheme2 } from '@grafana/data';
import { IconButton, LinkButton, useStyles2 } from '@grafana/ui';
import type { DrilldownLink } from '../../health/links';
import type { RawValue, ServiceHealth } from '../../health/services';
import { testIds } from '../../testIds';
import { SIGNALS, SIGNAL_TITLES, type Signal } from '../../types';
import { scoreLabel } from '../ServiceTile/ServiceTile';

interface Props {
  health: ServiceHealth;
  color: string;
  links: DrilldownLink[];
  /** Pinned by a click (it stays until closed) rather than shown while hovering. */
  pinned: boolean;
  onClose: () => void;
}

/**
 * The unit of a signal's raw value when its field sets none: the ratios the rules record (probe success,
 * failing requests) as percentages, latency and event-loop lag in seconds, dependency and anomaly as numbers.
 */
const RAW_UNITS: Record<Signal, string> = {
  availability: 'percentunit',
  latency: 's',
  errors: 'percentunit',
  saturation: 's',
  dependency: 'none',
  anomaly: 'none',
};

export function formatRaw(signal: Signal, { value, field }: RawValue): string {
  return formattedValueToString(getValueFormat(field.config?.unit || RAW_UNITS[signal])(value, 2));
}

/**
 * A service's score broken down by signal: each signal's sub-score (0-100%, 100% being perfect) with the
 * measured value behind it, when the queries give one (8% of requests failing scores 0%, which alone would
 * read as "no errors"), and the drill-down links.
 */
export function ServiceDetails({ health, color, links, pinned, onClose }: Props) {
  const styles = useStyles2(getStyles);
  const present = SIGNALS.filter((s) => health.signals[s] !== undefined);
  return (
    <section
      className={styles.card}
      data-testid={testIds.details}
      aria-label={`${health.service} health breakdown`}
    >
      <header className={styles.header}>
        <span className={styles.swatch} style={{ background: color }} />
        <strong className={styles.title}>{health.service}</strong>
        <span>{scoreLabel(health)}</span>
        {health.state === 'stale' && health.lastSeen !== undefined && (
          <span className={styles.muted}>last sample {dateTimeFormat(health.lastSeen)}</span>
        )}
        {pinned && <IconButton name="times" tooltip="Close" onClick={onClose} className={styles.close} />}
      </header>
      {present.length > 0 ? (
        <ul className={styles.breakdown} data-testid={testIds.breakdown}>
          {present.map((signal) => {
            const percent = Math.round(health.signals[signal]! * 100);
            const raw = health.raw[signal];
            const measured = raw && formatRaw(signal, raw);
            return (
              <li
                key={signal}
                className={styles.row}
                data-signal={signal}
                aria-label={`${SIGNAL_TITLES[signal]}: ${measured ? `${measured}, ` : ''}score ${percent}%`}
              >
                <span>{SIGNAL_TITLES[signal]}</span>
                <span className={styles.track}>
                  <span className={styles.bar} style={{ width: `${percent}%` }} />
                </span>
                <span className={styles.raw} title="Measured value">
                  {measured}
                </span>
                <span className={styles.value} title="Score">
                  {percent}%
                </span>
              </li>
            );
          })}
        </ul>
      ) : (
        <p className={styles.muted}>
          No breakdown: add the signal series (vigil:service_health_signal:ratio) to the panel&apos;s queries.
        </p>
      )}
      {links.length > 0 && (
        <div className={styles.links}>
          {links.map((link) => (
            <LinkButton
              key={link.href}
              data-testid={testIds.drilldown}
              href={link.href}
              target={link.target}
              size="sm"
              fill="outline"
              icon="external-link-alt"
            >
              {link.title}
            </LinkButton>
          ))}
        </div>
      )}
    </section>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  card: css({
    position: 'absolute',
    left: 0,
    right: 0,
    bottom: 0,
    maxHeight: '60%',
    overflowY: 'auto',
    padding: theme.spacing(1, 1.5),
    background: theme.colors.background.elevated,
    border: `1px solid ${theme.colors.border.medium}`,
    borderRadius: theme.shape.radius.default,
    boxShadow: theme.shadows.z3,
  }),
  header: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), flexWrap: 'wrap' }),
  swatch: css({ width: 12, height: 12, borderRadius: theme.shape.radius.circle, flex: 'none' }),
  title: css({ overflowWrap: 'anywhere' }),
  close: css({ marginLeft: 'auto' }),
  muted: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    margin: 0,
  }),
  breakdown: css({
    listStyle: 'none',
    margin: theme.spacing(1, 0, 0),
    padding: 0,
    display: 'grid',
    gridTemplateColumns: 'repeat(auto-fill, minmax(min(100%, 260px), 1fr))',
    gap: theme.spacing(0.5, 2),
  }),
  row: css({
    display: 'grid',
    gridTemplateColumns: 'minmax(0, 7.5rem) minmax(2rem, 1fr) auto 2.5rem',
    alignItems: 'center',
    gap: theme.spacing(1),
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  track: css({
    height: 6,
    background: theme.colors.border.medium,
    borderRadius: 3,
    overflow: 'hidden',
  }),
  bar: css({ display: 'block', height: '100%', background: theme.colors.primary.main }),
  value: css({ textAlign: 'right', fontVariantNumeric: 'tabular-nums' }),
  raw: css({ color: theme.colors.text.secondary, textAlign: 'right', fontVariantNumeric: 'tabular-nums' }),
  links: css({ display: 'flex', flexWrap: 'wrap', gap: theme.spacing(1), marginTop: theme.spacing(1) }),
});
