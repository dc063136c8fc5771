import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ThresholdsMode } from '@grafana/data';
import { promSeries } from '../../health/frames.testing';
import { panelProps } from '../../panelProps';
import { testIds } from '../../testIds';
import { HealthScorePanel } from './HealthScorePanel';

const NOW = 1_700_000_000_000;
const score = (service: string, value: number, at = NOW) =>
  promSeries('A', { __name__: 'vigil:service_health_score', service }, [
    [at - 60_000, value],
    [at, value],
  ]);
const signal = (service: string, name: string, value: number) =>
  promSeries('B', { service, signal: name }, [[NOW, value]]);
const props = (series = [score('web', 97), score('db', 30), score('api', 72)], width = 800, height = 400) =>
  panelProps({ series, from: NOW - 3_600_000, to: NOW, width, height });
const tiles = () => screen.getAllByTestId(testIds.tile);
/** Two bands: `below` under `from`, `above` from it. */
const bands = (below: string, from: number, above: string) => ({
  mode: ThresholdsMode.Absolute,
  steps: [
    { value: -Infinity, color: below },
    { value: from, color: above },
  ],
});

it('shows every service as a tile, worst first, coloured by band', () => {
  render(<HealthScorePanel {...props()} />);
  expect(tiles().map((t) => t.getAttribute('aria-label'))).toEqual([
    'db: health score 30',
    'api: health score 72',
    'web: health score 97',
  ]);
  const colors = tiles().map((t) => t.style.background);
  expect(new Set(colors).size).toBe(3); // critical, warning, healthy
});

it('takes the bands from the thresholds of the field config', () => {
  const p = props([score('a', 30), score('b', 50)]);
  p.fieldConfig = { defaults: { thresholds: bands('rgb(1, 2, 3)', 40, 'rgb(4, 5, 6)') }, overrides: [] };
  render(<HealthScorePanel {...p} />);
  expect(tiles().map((t) => t.style.background)).toEqual(['rgb(1, 2, 3)', 'rgb(4, 5, 6)']);
});

it("takes a service's bands from its own field, where an override gave it other thresholds", () => {
  // Grafana applies the overrides to each field's config before the panel sees the data.
  const strict = score('payments', 90);
  strict.fields[1]!.config.thresholds = bands('rgb(9, 9, 9)', 95, 'rgb(0, 128, 0)');
  const p = props([strict, score('web', 90)]);
  p.fieldConfig = { defaults: { thresholds: bands('rgb(1, 2, 3)', 80, 'rgb(4, 5, 6)') }, overrides: [] };
  render(<HealthScorePanel {...p} />);
  expect(tiles().map((t) => [t.getAttribute('aria-label'), t.style.background])).toEqual([
    ['payments: health score 90', 'rgb(9, 9, 9)'],
    ['web: health score 90', 'rgb(4, 5, 6)'],
  ]);
});

it('shows the breakdown on hover and pins it with the drill-down link on click', async () => {
  const series = [
    score('db', 30),
    signal('db', 'availability', 0.25),
    signal('db', 'latency', 1),
    score('web', 90),
  ];
  render(<HealthScorePanel {...props(series)} />);
  const db = screen.getByRole('button', { name: 'db: health score 30' });
  await userEvent.hover(db);
  const details = screen.getByTestId(testIds.details);
  expect(within(details).getByTestId(testIds.breakdown)).toHaveTextContent('Availability25%Latency100%');
  await userEvent.unhover(db);
  expect(screen.queryByTestId(testIds.details)).toBeNull();

  await userEvent.click(db);
  await userEvent.unhover(db);
  expect(screen.getByRole('link', { name: /Open db/ })).toHaveAttribute(
    'href',
    `/d/vigil-service?var-service=db&from=${NOW - 3_600_000}&to=${NOW}`,
  );
  await userEvent.click(screen.getByRole('button', { name: 'Close' }));
  expect(screen.queryByTestId(testIds.details)).toBeNull();
});

it('says there is no data when no series names a service', () => {
  render(<HealthScorePanel {...props([])} />);
  expect(screen.getByTestId(testIds.empty)).toHaveTextContent('No data: no series with a "service" label');
  expect(screen.queryAllByTestId(testIds.tile)).toEqual([]);
});

it('shows stale and NaN services first, marked as such', () => {
  const series = [
    score('ok', 50),
    score('gone', 90, NOW - 3_000_000),
    promSeries('A', { service: 'nan' }, [[NOW, NaN]]),
  ];
  render(<HealthScorePanel {...props(series)} />);
  expect(tiles().map((t) => [t.dataset.service, t.dataset.state])).toEqual([
    ['gone', 'stale'],
    ['nan', 'nodata'],
    ['ok', 'ok'],
  ]);
});

it('warns about bad options, naming them, and still shows the tiles', () => {
  const p = props();
  // A cleared "Minimum tile width" input: the tiles are laid out at the default width meanwhile.
  p.options = { ...p.options, staleAfterSeconds: 0, minTileWidth: undefined as unknown as number };
  render(<HealthScorePanel {...p} />);
  expect(screen.getByTestId(testIds.problems)).toHaveTextContent(
    'staleAfterSeconds: must be a positive number; minTileWidth: must be a positive number; 150 meanwhile',
  );
  expect(tiles()).toHaveLength(3);
  expect(tiles().every((t) => Number.parseFloat(t.style.width) > 0)).toBe(true);
});

it('mounts only a screenful of 1,000 services, worst first, two columns wide at 390 px', () => {
  const series = Array.from({ length: 1000 }, (_, i) =>
    score(`svc-${String(i).padStart(4, '0')}`, (i * 37) % 101),
  );
  render(<HealthScorePanel {...props(series, 390, 600)} />);
  const shown = tiles();
  expect(shown.length).toBeLessThan(40);
  expect(shown[0]).toHaveAccessibleName(/health score 0$/);
  expect(shown[0]).toHaveStyle({ left: '0px', top: '0px' });
  expect(shown[1]).toHaveStyle({ top: '0px' });
  expect(shown[2]).toHaveStyle({ left: '0px', top: '68px' });
});
