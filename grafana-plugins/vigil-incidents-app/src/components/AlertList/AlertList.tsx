import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { Badge, TextLink, useStyles2 } from '@grafana/ui';
import { formatTime, safeHttpUrl } from '../../format';
import { testIds } from '../../testIds';
import type { Alert } from '../../types';
import { SeverityBadge } from '../IncidentBadges/IncidentBadges';

// Read first: the annotations every Vigil rule carries; any others follow in name order.
const ANNOTATION_ORDER = ['summary', 'description', 'runbook_url'];
const annotationRank = (name: string) => {
  const i = ANNOTATION_ORDER.indexOf(name);
  return i === -1 ? ANNOTATION_ORDER.length : i;
};

/** A runbook URL becomes a link if it is a web address; everything else is plain text. */
function AnnotationValue({ name, value }: { name: string; value: string }) {
  const href = name === 'runbook_url' ? safeHttpUrl(value) : undefined;
  return href ? (
    <TextLink href={href} external>
      {value}
    </TextLink>
  ) : (
    <>{value}</>
  );
}

/**
 * The incident's alerts with labels and annotations. Everything from the payload is rendered as React text,
 * never as HTML: an annotation is whatever a rule author (or a forged alert) wrote.
 */
export function AlertList({ alerts }: { alerts: Alert[] }) {
  const s = useStyles2(getStyles);
  if (alerts.length === 0) return <p>No alerts recorded.</p>;
  return (
    <ul className={s.list}>
      {alerts.map((alert) => {
        const annotations = Object.entries(alert.annotations).sort(
          ([a], [b]) => annotationRank(a) - annotationRank(b) || a.localeCompare(b),
        );
        const source = safeHttpUrl(alert.generator_url);
        return (
          <li key={alert.id} className={s.alert} data-testid={testIds.incident.alert}>
            <div className={s.header}>
              <strong>{alert.labels.alertname ?? alert.fingerprint}</strong>
              <Badge text={alert.status} color={alert.status === 'firing' ? 'red' : 'green'} />
              <SeverityBadge severity={alert.severity} />
              <span className={s.weak}>
                since {formatTime(alert.starts_at)}
                {alert.ends_at ? `, ended ${formatTime(alert.ends_at)}` : ''}
              </span>
              {source && (
                <TextLink href={source} external>
                  Source
                </TextLink>
              )}
            </div>
            <ul className={s.labels} aria-label="Labels">
              {Object.entries(alert.labels).map(([name, value]) => (
                <li key={name} className={s.label}>
                  {name}={value}
                </li>
              ))}
            </ul>
            {annotations.length > 0 && (
              <dl className={s.annotations} data-testid={testIds.incident.annotations}>
                {annotations.map(([name, value]) => (
                  <div key={name} className={s.annotation}>
                    <dt>{name}</dt>
                    <dd>
                      <AnnotationValue name={name} value={value} />
                    </dd>
                  </div>
                ))}
              </dl>
            )}
          </li>
        );
      })}
    </ul>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  list: css({ listStyle: 'none', margin: 0, padding: 0, display: 'grid', gap: theme.spacing(1) }),
  alert: css({
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1.5),
    minWidth: 0,
  }),
  header: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'center', gap: theme.spacing(1) }),
  weak: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize }),
  labels: css({
    listStyle: 'none',
    padding: 0,
    margin: theme.spacing(1, 0),
    display: 'flex',
    flexWrap: 'wrap',
    gap: theme.spacing(0.5),
  }),
  label: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(0, 0.5),
    overflowWrap: 'anywhere',
  }),
  annotations: css({ margin: 0, display: 'grid', gap: theme.spacing(0.5) }),
  annotation: css({
    display: 'grid',
    gridTemplateColumns: 'minmax(6rem, max-content) 1fr',
    gap: theme.spacing(1),
    [theme.breakpoints.down('sm')]: { gridTemplateColumns: '1fr' },
    dt: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
    dd: { margin: 0, whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' },
  }),
});
