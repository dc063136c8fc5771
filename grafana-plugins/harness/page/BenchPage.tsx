import { useState } from 'react';
import { flushSync } from 'react-dom';
import { FieldType, toDataFrame, type DataFrame } from '@grafana/data';
import { HealthScorePanel } from '../../vigil-healthscore-panel/src/components/HealthScorePanel/HealthScorePanel';
import { panelProps } from '../../vigil-healthscore-panel/src/panelProps';
import { testIds } from '../../vigil-healthscore-panel/src/testIds';
import { SIGNALS } from '../../vigil-healthscore-panel/src/types';

const POINTS = 60;
const STEP_MS = 15_000;

/**
 * What a range query of the score and the signals returns for `count` services: one frame per series,
 * POINTS samples each. `seed` varies the values so that no run reuses another's memoised work.
 */
function benchFrames(count: number, to: number, seed: number): DataFrame[] {
  const times = Array.from({ length: POINTS }, (_, i) => to - (POINTS - 1 - i) * STEP_MS);
  const frames: DataFrame[] = [];
  const frame = (refId: string, labels: Record<string, string>, value: (i: number) => number) =>
    toDataFrame({
      refId,
      fields: [
        { name: 'Time', type: FieldType.time, values: times },
        { name: 'Value', type: FieldType.number, labels, values: times.map((_, i) => value(i)) },
      ],
    });
  for (let s = 0; s < count; s++) {
    const service = `service-${String(s).padStart(4, '0')}`;
    const base = (s * 7919 + seed * 104729) % 101;
    frames.push(frame('A', { service }, (i) => Math.max(0, Math.min(100, base + 10 * Math.sin(i / 5 + s)))));
    for (const signal of SIGNALS.slice(0, 4))
      frames.push(frame('B', { service, signal }, (i) => ((base + i + signal.length) % 100) / 100));
  }
  return frames;
}

const painted = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

/** The panel with no data until the benchmark driver calls window.benchRender. */
export function BenchPage() {
  const [series, setSeries] = useState<DataFrame[]>([]);
  const to = 1_700_000_000_000;
  window.benchRender = async (count, seed) => {
    const frames = benchFrames(count, to, seed);
    flushSync(() => setSeries([]));
    await painted();
    // Idle time, as between two query results, so that collecting this run's garbage is not timed.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const start = performance.now();
    flushSync(() => setSeries(frames));
    const committed = performance.now();
    await painted();
    const end = performance.now();
    if (document.querySelectorAll(`[data-testid="${testIds.tile}"]`).length === 0)
      throw new Error('no tile rendered');
    return { totalMs: end - start, commitMs: committed - start };
  };
  return (
    <HealthScorePanel
      {...panelProps({
        series,
        from: to - POINTS * STEP_MS,
        to,
        width: window.innerWidth,
        height: window.innerHeight,
      })}
    />
  );
}
