import { screen, within } from '@testing-library/react';
import { fakeVigil, incident } from '../../test-support/fakeVigil';
import { renderApp } from '../../test-support/renderApp';
import { testIds } from '../../testIds';

const RULE = { route: '{}/{severity=~"critical|warning"}', by: ['service'], window: '30m' };

describe('Correlation on the incident page', () => {
  it('lists the groups that joined the incident, with the rule and labels, and names the likely cause', async () => {
    fakeVigil({
      incidents: [
        incident({
          id: 21,
          title: 'checkout is down',
          likely_cause: 'checkout',
          correlations: [
            {
              at: '2026-12-01T11:02:00.000Z',
              rule: RULE,
              labels: { service: 'checkout' },
              alertnames: ['ErrorBudgetBurnPage'],
              group_key: '{}:{alertname="ErrorBudgetBurnPage"}',
            },
            {
              at: '2026-12-01T11:04:00.000Z',
              rule: RULE,
              labels: { service: 'checkout' },
              alertnames: ['MetricAnomaly'],
              group_key: '{}:{alertname="MetricAnomaly"}',
            },
          ],
        }),
      ],
    });
    renderApp('/a/vigil-incidents-app/incidents/21');
    await screen.findByRole('heading', { name: /#21 checkout is down/ });
    expect(screen.getByTestId(testIds.incident.likelyCause)).toHaveTextContent('likely cause checkout');
    const list = screen.getByTestId(testIds.incident.correlations);
    const items = within(list).getAllByRole('listitem');
    expect(items.map((li) => li.textContent)).toEqual([
      expect.stringMatching(
        /^ErrorBudgetBurnPagejoined: same service="checkout" within 30mrule of route \{\}\/\{severity=~"critical\|warning"\} \(by service\),/,
      ),
      expect.stringMatching(/^MetricAnomalyjoined: same service="checkout" within 30m/),
    ]);
    expect(screen.getByRole('heading', { name: 'Correlated alerts (2)' })).toBeVisible();
  });

  it('shows neither without correlation or a named cause', async () => {
    fakeVigil({ incidents: [incident({ id: 22 })] });
    renderApp('/a/vigil-incidents-app/incidents/22');
    await screen.findByRole('heading', { name: /#22 / });
    expect(screen.queryByTestId(testIds.incident.correlations)).toBeNull();
    expect(screen.queryByTestId(testIds.incident.likelyCause)).toBeNull();
    expect(screen.queryByRole('heading', { name: /Correlated alerts/ })).toBeNull();
  });
});
