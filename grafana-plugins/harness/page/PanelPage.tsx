import { useEffect, useState } from 'react';
import type { DataFrame } from '@grafana/data';
import { PanelChrome } from '@grafana/ui';
import { HealthScorePanel } from '../../vigil-healthscore-panel/src/components/HealthScorePanel/HealthScorePanel';
import { panelProps } from '../../vigil-healthscore-panel/src/panelProps';
import { queryRange } from './prometheus';
import { PANEL_QUERIES } from './queries';

/** Prometheus as Grafana's datasource proxy exposes it: the harness server forwards /api/prom/ to it. */
const PROMETHEUS = '/api/prom';
const RANGE_MS = 15 * 60_000;

interface Result {
  series: DataFrame[];
  from: number;
  to: number;
}

/** The panel in a Grafana panel frame, filling the window, on a live range query of Prometheus. */
export function PanelPage() {
  const [result, setResult] = useState<Result>();
  const [error, setError] = useState<string>();
  const [size, setSize] = useState({ width: window.innerWidth, height: window.innerHeight });

  useEffect(() => {
    const to = Date.now();
    const range = { from: to - RANGE_MS, to, stepSeconds: 1 };
    Promise.all(PANEL_QUERIES.map((q) => queryRange(PROMETHEUS, q, range)))
      .then((frames) => setResult({ series: frames.flat(), from: range.from, to }))
      .catch((err: Error) => setError(err.message));
    const onResize = () => setSize({ width: window.innerWidth, height: window.innerHeight });
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);

  if (error) return <pre role="alert">{error}</pre>;
  return (
    // Fixed to the window, as a panel fills its grid cell: the body's margin stays out of the sums.
    <div style={{ position: 'fixed', inset: 0, padding: 8, overflow: 'hidden' }}>
      <PanelChrome title="Health scores" width={size.width - 16} height={size.height - 16}>
        {(width, height) => result && <HealthScorePanel {...panelProps({ ...result, width, height })} />}
      </PanelChrome>
    </div>
  );
}
