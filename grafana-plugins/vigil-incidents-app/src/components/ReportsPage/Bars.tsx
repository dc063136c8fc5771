import { css } from '@emotion/css';
import { useLayoutEffect, useRef, useState } from 'react';
import { VizOrientation, type GrafanaTheme2 } from '@grafana/data';
import { BarGaugeDisplayMode, BarGaugeNamePlacement, BarGaugeValueMode } from '@grafana/schema';
import { BarGauge, Tooltip, useStyles2, useTheme2 } from '@grafana/ui';
import { Link } from 'react-router-dom-v5-compat';
import { testIds } from '../../testIds';

export interface Bar {
  label: string;
  /** null: nothing to show (e.g. no incident to average that day), drawn as an empty bar. */
  value: number | null;
  /** The value as shown on the bar. */
  text: string;
  /** What the tooltip says besides the label and text. */
  detail?: string;
  color?: string;
  /** Drill-down: where clicking the bar goes (the incident list filtered to it). */
  href?: string;
}

interface Props {
  /** The chart's accessible name. */
  label: string;
  bars: Bar[];
  /** The full bar's value; default the largest value. */
  max?: number;
  /** horizontal: one labelled bar a row (by service, severity); vertical: a column a day, left to right. */
  orientation?: 'horizontal' | 'vertical';
}

/** The name above its bar, so that every bar of a chart starts at the same place. */
const ROW_HEIGHT = 44;
const COLUMN_HEIGHT = 120;

/** Its width, followed as it resizes (jsdom has no ResizeObserver: a fixed width there). */
function useWidth() {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(320);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry?.contentRect.width ?? 0)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return { ref, width };
}

/**
 * Values drawn with Grafana's bar gauge (the Bar gauge visualisation's component), each with a tooltip and,
 * where given, a click that drills down.
 */
export function Bars({ label, bars, max, orientation = 'horizontal' }: Props) {
  const s = useStyles2(getStyles);
  const theme = useTheme2();
  const { ref, width } = useWidth();
  const full = max ?? Math.max(0, ...bars.map((b) => b.value ?? 0));
  const vertical = orientation === 'vertical';
  // Every bar of a chart leaves room for the longest value text, so that lengths compare across bars.
  const longest = bars.reduce((a, b) => (b.text.length > a.text.length ? b : a), bars[0] ?? { text: '' });
  // The gauge lays the name out from the alignment factors: without a title there, no name is shown.
  const longestLabel = bars.reduce((a, b) => (b.label.length > a.length ? b.label : a), '');
  const barWidth = vertical ? Math.max(2, Math.floor(width / Math.max(bars.length, 1)) - 1) : width;
  const gauge = (bar: Bar) => (
    <BarGauge
      theme={theme}
      width={barWidth}
      height={vertical ? COLUMN_HEIGHT : ROW_HEIGHT}
      orientation={vertical ? VizOrientation.Vertical : VizOrientation.Horizontal}
      displayMode={BarGaugeDisplayMode.Basic}
      // Without the track: the gauge sizes a full bar short of the width it is given (room for its text).
      showUnfilled={false}
      alignmentFactors={{ text: longest.text, title: vertical ? undefined : longestLabel }}
      field={{ min: 0, max: full > 0 ? full : 1 }}
      value={{
        numeric: bar.value ?? 0,
        text: bar.text,
        title: vertical ? undefined : bar.label,
        color: bar.color ?? theme.colors.primary.main,
      }}
      valueDisplayMode={vertical ? BarGaugeValueMode.Hidden : BarGaugeValueMode.Text}
      namePlacement={vertical ? BarGaugeNamePlacement.Hidden : BarGaugeNamePlacement.Top}
    />
  );
  return (
    <div
      ref={ref}
      className={vertical ? s.columns : s.rows}
      role="list"
      aria-label={label}
      data-testid={testIds.reports.chart}
    >
      {bars.map((bar) => {
        const tip = [`${bar.label}: ${bar.text}`, bar.detail].filter(Boolean).join(' · ');
        return (
          <Tooltip key={bar.label} content={tip} placement={vertical ? 'top' : 'bottom-start'}>
            <div role="listitem" aria-label={tip} tabIndex={bar.href ? undefined : 0} className={s.item}>
              {bar.href ? (
                <Link to={bar.href} aria-label={`Incidents of ${bar.label}`}>
                  {gauge(bar)}
                </Link>
              ) : (
                gauge(bar)
              )}
            </div>
          </Tooltip>
        );
      })}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  rows: css({ display: 'grid', gap: theme.spacing(0.5), minWidth: 0 }),
  columns: css({ display: 'flex', alignItems: 'flex-end', gap: 1, minWidth: 0, overflow: 'hidden' }),
  item: css({ minWidth: 0 }),
});
