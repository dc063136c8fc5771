import { render, screen, within } from '@testing-library/react';
import { FieldType, type Field } from '@grafana/data';
import userEvent from '@testing-library/user-event';
import type { ServiceHealth } from '../../health/services';
import { testIds } from '../../testIds';
import { ServiceDetails } from './ServiceDetails';

const health: ServiceHealth = {
  service: 'checkout',
  score: 61,
  state: 'ok',
  trend: { times: [], values: [] },
  signals: { availability: 0.5, errors: 0.905, dependency: 0 },
  raw: {},
};

const field = (unit?: string): Field => ({
  name: 'Value',
  type: FieldType.number,
  config: { unit },
  values: [],
});

it('breaks the score down by signal in the standard order, with the drill-down links', () => {
  render(
    <ServiceDetails
      health={health}
      color="red"
      links={[{ title: 'Open checkout', href: '/d/vigil-service?var-service=checkout' }]}
      pinned={false}
      onClose={jest.fn()}
    />,
  );
  const rows = within(screen.getByTestId(testIds.breakdown)).getAllByRole('listitem');
  expect(rows.map((r) => r.textContent)).toEqual(['Availability50%', 'Errors91%', 'Dependency impact0%']);
  expect(screen.getByRole('link', { name: /Open checkout/ })).toHaveAttribute(
    'href',
    '/d/vigil-service?var-service=checkout',
  );
  expect(screen.queryByRole('button', { name: 'Close' })).toBeNull();
});

it('says how to get a breakdown when there is none, and closes when pinned', async () => {
  const onClose = jest.fn();
  render(
    <ServiceDetails health={{ ...health, signals: {} }} color="red" links={[]} pinned onClose={onClose} />,
  );
  expect(screen.getByTestId(testIds.details)).toHaveTextContent('No breakdown: add the signal series');
  await userEvent.click(screen.getByRole('button', { name: 'Close' }));
  expect(onClose).toHaveBeenCalled();
});

it("shows each signal's measured value beside its score, in the field's unit or the signal's own", () => {
  render(
    <ServiceDetails
      health={{
        ...health,
        signals: { errors: 0, latency: 0.2, saturation: 1 },
        raw: {
          errors: { value: 0.08, field: field() },
          latency: { value: 1.5, field: field() },
          saturation: { value: 12, field: field('ms') },
        },
      }}
      color="red"
      links={[]}
      pinned={false}
      onClose={jest.fn()}
    />,
  );
  const rows = within(screen.getByTestId(testIds.breakdown)).getAllByRole('listitem');
  // 8% of requests failing scores 0%: the breakdown says both, not only "Errors 0%".
  expect(rows.map((r) => r.getAttribute('aria-label'))).toEqual([
    'Latency: 1.50 s, score 20%',
    'Errors: 8.00%, score 0%',
    'Saturation: 12.00 ms, score 100%',
  ]);
  expect(rows.map((r) => r.textContent)).toEqual([
    'Latency1.50 s20%',
    'Errors8.00%0%',
    'Saturation12.00 ms100%',
  ]);
});
