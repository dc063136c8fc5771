import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { useMemo, useState } from 'react';
import { Badge, Button, TextLink, useStyles2 } from '@grafana/ui';
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

/** Alerts drawn at first, and added per click: a storm's incident holds thousands, each a card of labels. */
export const ALERTS_PER_PAGE = 50;

/**
 * The incident's alerts with labels and annotations, firing ones first, the first ALERTS_PER_PAGE of them
 * until more are asked for. Everything from the payload is rendered as React text, never as HTML: an
 * annotation is whatever a rule author (or a forged alert) wrote.
 */
export function AlertList({ alerts }: { alerts: Alert[] }) {
  const s = useStyles2(getStyles);
  const [shown, setShown] = useState(ALERTS_PER_PAGE);
  // Stable sort: within firing and resolved, the order alert-webhook gave.
  const ordered = useMemo(
    () => [...alerts].sort((a, b) => Number(a.status !== 'firing') - Number(b.status !== 'firing')),
    [alerts],
  );
  if (alerts.length === 0) return <p>No alerts recorded.</p>;
  const hidden = ordered.length - shown;
  return (
    <>
      <ul className={s.list}>
        {ordered.slice(0, shown).map((alert) => {
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
      {hidden > 0 && (
        <Button
          className={s.more}
          variant="secondary"
          size="sm"
          onClick={() => setShown(shown + ALERTS_PER_PAGE)}
        >
          Show {Math.min(hidden, ALERTS_PER_PAGE)} more of {hidden}
        </Button>
      )}
    </>
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
  more: css({ marginTop: theme.spacing(1) }),
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
