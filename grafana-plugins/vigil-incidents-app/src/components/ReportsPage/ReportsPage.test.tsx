import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeVigil } from '../../test-support/fakeVigil';
import { renderApp } from '../../test-support/renderApp';
import { findOperation, slaQuery } from '@vigil/api-contract';
import { API_BASE } from '../../constants';
import { testIds } from '../../testIds';
import { report } from '../../test-support/report';

const lastParams = (vigil: ReturnType<typeof fakeVigil>, path = '/reports/sla') =>
  vigil.requests.filter((r) => r.path === path).at(-1)?.params as Record<string, string>;

/** The report shown: the page's bar gauges take a while to render on a loaded machine. */
const loaded = (name = 'Incidents') => screen.findByRole('group', { name }, { timeout: 15_000 });

const items = (name: string) =>
  within(screen.getByRole('list', { name }))
    .getAllByRole('listitem')
    .map((li) => li.getAttribute('aria-label'));

describe('Reports page', () => {
  it('exports the report shown as CSV: its period and team, in a query the receiver accepts', async () => {
    fakeVigil({ report });
    renderApp('/a/vigil-incidents-app/reports?team=payments');
    const link = await screen.findByTestId(testIds.reports.csv, {}, { timeout: 15_000 });
    const url = new URL(link.getAttribute('href') ?? '', 'http://grafana.local');
    expect(findOperation('GET', `/api/v1${url.pathname.slice(API_BASE.length)}`)?.id).toBe('exportSlaReport');
    const query = Object.fromEntries(url.searchParams);
    expect(query).toEqual({ from: report.from, to: report.to, team: 'payments' });
    expect(slaQuery.safeParse(query).success).toBe(true);
  });

  it('shows the figures beside the previous period, SLO budgets, SLA attainment and the daily bar gauges', async () => {
    const vigil = fakeVigil({ report });
    renderApp('/a/vigil-incidents-app/reports');
    const mtta = await loaded('MTTA (mean time to acknowledge)');
    expect(mtta).toHaveTextContent('4m 10s');
    expect(mtta).toHaveTextContent('−50s vs previous period');
    expect(screen.getByRole('group', { name: 'MTTR (mean time to resolve)' })).toHaveTextContent('1h 30m');
    expect(screen.getByRole('group', { name: 'Incidents' })).toHaveTextContent('17+5 vs previous period');

    expect(items('Error budget consumed by SLO')).toEqual([
      'checkout availability: 50.0% · objective 99.9%, +25.0 pts vs previous period',
      'search latency: 120.0% · objective 99%',
    ]);
    expect(items('SLA attainment by severity')).toEqual([
      'critical (ack within 15m): 93.3% (14/15) · −6.7 pts vs previous period',
      'info (ack within 1d): — (0/0)',
    ]);
    expect(items('Noisiest alerts by occurrences')).toEqual([
      'HighErrorRate · checkout: 40 occurrences, 9 incidents',
      'DiskFull · db: 10 occurrences, 5 incidents',
    ]);
    expect(items('Incidents by service')).toEqual(['checkout: 12', 'db: 5']);
    // Each bar gauge shows its name, not only its tooltip.
    expect(
      within(screen.getByRole('list', { name: 'Incidents by service' })).getByText('checkout'),
    ).toBeVisible();

    // One bar gauge a day; a day without incidents has no MTTA: "none", not zero.
    expect(screen.getAllByTestId(testIds.reports.chart)).toHaveLength(8);
    expect(items('Incidents opened per day')).toEqual(['2026-11-30: 2', '2026-12-01: 0', '2026-12-02: 4']);
    expect(items('MTTA per day')).toEqual(['2026-11-30: 2m', '2026-12-01: none', '2026-12-02: 5m']);

    const { from = '', to = '' } = lastParams(vigil);
    expect(Date.parse(to) - Date.parse(from)).toBe(30 * 86_400_000);
    expect(Math.abs(Date.parse(to) - Date.now())).toBeLessThan(60_000);
  });

  it('shows a tooltip on a bar and drills down into the incident list filtered to it', async () => {
    const user = userEvent.setup({ delay: null });
    const vigil = fakeVigil({ report });
    renderApp('/a/vigil-incidents-app/reports?team=payments');
    await loaded();
    const [day] = within(screen.getByRole('list', { name: 'MTTR per day' })).getAllByRole('listitem');
    await user.hover(day!);
    expect(await screen.findByRole('tooltip')).toHaveTextContent('2026-11-30: 1h');

    const bars = within(screen.getByRole('list', { name: 'Incidents by service' }));
    const link = bars.getByRole('link', { name: 'Incidents of db' });
    expect(vigil.requests.filter((r) => r.path === '/reports/sla')).toHaveLength(1);
    await user.click(link);
    await screen.findByTestId(testIds.incidents.page, {}, { timeout: 15_000 });
    await waitFor(() =>
      expect(lastParams(vigil, '/incidents')).toMatchObject({ service: 'db', team: 'payments' }),
    );
    expect(lastParams(vigil, '/incidents')).not.toHaveProperty('status');
  });

  it('drills down into an unusual severity, and has no link for the incidents without a service', async () => {
    const user = userEvent.setup({ delay: null });
    const vigil = fakeVigil({
      report: {
        ...report,
        incidents: { total: 3, by_severity: { none: 2, critical: 1 }, by_service: { none: 2, db: 1 } },
      },
    });
    renderApp('/a/vigil-incidents-app/reports');
    await loaded();
    const services = within(screen.getByRole('list', { name: 'Incidents by service' }));
    expect(services.queryByRole('link', { name: 'Incidents of none' })).toBeNull();
    expect(services.getByRole('link', { name: 'Incidents of db' })).toBeInTheDocument();
    const severities = within(screen.getByRole('list', { name: 'Incidents by severity' }));
    await user.click(severities.getByRole('link', { name: 'Incidents of none' }));
    await screen.findByTestId(testIds.incidents.page, {}, { timeout: 15_000 });
    // Kept, not turned into "all": the list shows the incidents without a severity, and says so.
    await waitFor(() => expect(lastParams(vigil, '/incidents')).toMatchObject({ severity: 'none' }));
    expect(screen.getByRole('radio', { name: 'none' })).toBeChecked();
  });

  it('follows the time picker kept in the URL, and its move back button', async () => {
    const user = userEvent.setup({ delay: null });
    const vigil = fakeVigil({ report });
    const from = Date.parse('2026-11-01T00:00:00Z');
    const to = Date.parse('2026-11-08T00:00:00Z');
    renderApp(`/a/vigil-incidents-app/reports?from=${from}&to=${to}`);
    await loaded();
    expect(lastParams(vigil)).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-08T00:00:00.000Z',
    });

    await user.click(screen.getByRole('button', { name: 'Move time range backwards' }));
    await waitFor(() =>
      expect(lastParams(vigil)).toMatchObject({
        from: '2026-10-25T00:00:00.000Z',
        to: '2026-11-01T00:00:00.000Z',
      }),
    );

    await user.type(screen.getByRole('textbox', { name: /Team/ }), 'payments{Enter}');
    await waitFor(() =>
      expect(lastParams(vigil)).toMatchObject({ team: 'payments', from: '2026-10-25T00:00:00.000Z' }),
    );
  });

  it('reads date math from the URL as a dashboard does', async () => {
    const vigil = fakeVigil({ report });
    renderApp('/a/vigil-incidents-app/reports?from=now-7d&to=now');
    await loaded();
    const { from = '', to = '' } = lastParams(vigil);
    expect(Date.parse(to) - Date.parse(from)).toBe(7 * 86_400_000);
  });

  it('says when Prometheus could not be queried for SLOs', async () => {
    fakeVigil({
      report: {
        ...report,
        slo: {
          status: 'unavailable',
          error: 'Prometheus at http://prom:9090 did not answer',
          objectives: [],
        },
      },
    });
    renderApp('/a/vigil-incidents-app/reports');
    expect(await screen.findByText('Prometheus could not be queried')).toBeInTheDocument();
    expect(screen.getByText('Prometheus at http://prom:9090 did not answer')).toBeInTheDocument();
  });

  it('shows the API error', async () => {
    const vigil = fakeVigil({ report });
    vigil.refuse('GET /reports/sla', 400, 'invalid_request', 'invalid query parameters');
    renderApp('/a/vigil-incidents-app/reports');
    expect(await screen.findByText('invalid query parameters')).toBeInTheDocument();
  });
});
