import { render, screen, within } from '@testing-library/react';
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
};

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
