import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeVigil } from '../../test-support/fakeVigil';
import { renderApp } from '../../test-support/renderApp';
import { findOperation, slaQuery } from '@vigil/api-contract';
import { API_BASE } from '../../constants';
import { testIds } from '../../testIds';
import type { SlaReport } from '../../types';

const report: SlaReport = {
  from: '2026-11-02T12:00:00Z',
  to: '2026-12-02T12:00:00Z',
  incidents: { total: 17, by_severity: { critical: 15, warning: 2 }, by_service: { checkout: 12, db: 5 } },
  mtta_seconds: 250,
  mttr_seconds: 5400,
  sla: [
    { severity: 'critical', ack_within_seconds: 900, incidents: 15, met: 14, attainment: 14 / 15 },
    { severity: 'info', ack_within_seconds: 86400, incidents: 0, met: 0, attainment: null },
  ],
  noisiest_alerts: [
    { alertname: 'HighErrorRate', service: 'checkout', incidents: 9, occurrences: 40 },
    { alertname: 'DiskFull', service: 'db', incidents: 5, occurrences: 10 },
  ],
  by_day: [
    { date: '2026-11-30', opened: 2, mtta_seconds: 120, mttr_seconds: 3600 },
    { date: '2026-12-01', opened: 0, mtta_seconds: null, mttr_seconds: null },
    { date: '2026-12-02', opened: 4, mtta_seconds: 300, mttr_seconds: 7200 },
  ],
  slo: { status: 'not_configured', error: null, objectives: [] },
  comparison: {
    previous_from: '2026-10-03T12:00:00Z',
    previous_to: '2026-11-02T12:00:00Z',
    incidents: { current: 17, previous: 12, delta: 5 },
    mtta_seconds: { current: 250, previous: 300, delta: -50 },
    mttr_seconds: { current: 5400, previous: null, delta: null },
    sla: [],
    slo: [],
  },
};

const lastParams = (vigil: ReturnType<typeof fakeVigil>) =>
  vigil.requests.filter((r) => r.path === '/reports/sla').at(-1)?.params as {
    from: string;
    to: string;
    team?: string;
  };

describe('Reports page', () => {
  it('exports the report shown as CSV: its period and team, in a query the receiver accepts', async () => {
    fakeVigil({ report });
    renderApp('/a/vigil-incidents-app/reports?team=payments');
    const link = await screen.findByTestId(testIds.reports.csv);
    const url = new URL(link.getAttribute('href') ?? '', 'http://grafana.local');
    expect(findOperation('GET', `/api/v1${url.pathname.slice(API_BASE.length)}`)?.id).toBe('exportSlaReport');
    const query = Object.fromEntries(url.searchParams);
    expect(query).toEqual({ from: report.from, to: report.to, team: 'payments' });
    expect(slaQuery.safeParse(query).success).toBe(true);
  });

  it('shows MTTA, MTTR, SLA attainment, the noisiest alerts and the daily charts', async () => {
    const vigil = fakeVigil({ report });
    renderApp('/a/vigil-incidents-app/reports');
    expect(await screen.findByRole('group', { name: 'MTTA (mean time to acknowledge)' })).toHaveTextContent(
      '4m 10s',
    );
    expect(screen.getByRole('group', { name: 'MTTR (mean time to resolve)' })).toHaveTextContent('1h 30m');
    expect(screen.getByRole('group', { name: 'Incidents' })).toHaveTextContent('17');

    const sla = within(screen.getByRole('list', { name: 'SLA attainment by severity' })).getAllByRole(
      'listitem',
    );
    expect(sla[0]).toHaveTextContent('critical (ack within 15m)93.3% (14/15)');
    expect(sla[1]).toHaveTextContent('info (ack within 1d)— (0/0)');

    const noisy = within(screen.getByRole('list', { name: 'Noisiest alerts by occurrences' })).getAllByRole(
      'listitem',
    );
    expect(noisy.map((li) => li.textContent)).toEqual([
      'HighErrorRate · checkout40 occurrences, 9 incidents',
      'DiskFull · db10 occurrences, 5 incidents',
    ]);

    const charts = screen.getAllByTestId(testIds.reports.chart);
    expect(charts).toHaveLength(3);
    const bars = (i: number) => [...charts[i]!.querySelectorAll('rect')].map((r) => r.textContent);
    expect(bars(0)).toEqual(['2026-11-30: 2', '2026-12-01: 0', '2026-12-02: 4']);
    // A day without incidents has no MTTA: a gap, not a zero.
    expect(bars(1)).toEqual(['2026-11-30: 2m', '2026-12-02: 5m']);
    const heights = [...charts[0]!.querySelectorAll('rect')].map((r) => Number(r.getAttribute('height')));
    expect(heights).toEqual([50, 0, 100]);

    const { from, to } = lastParams(vigil);
    expect(Date.parse(to) - Date.parse(from)).toBe(30 * 86_400_000);
    expect(Math.abs(Date.parse(to) - Date.now())).toBeLessThan(60_000);
  });

  it('asks for another period or one team when chosen', async () => {
    const user = userEvent.setup({ delay: null });
    const vigil = fakeVigil({ report });
    renderApp('/a/vigil-incidents-app/reports');
    await screen.findByRole('group', { name: 'Incidents' });
    await user.click(screen.getByRole('radio', { name: 'Last 7 days' }));
    await waitFor(() => {
      const { from, to } = lastParams(vigil);
      expect(Date.parse(to) - Date.parse(from)).toBe(7 * 86_400_000);
    });
    expect(lastParams(vigil)).not.toHaveProperty('team');

    await user.type(screen.getByRole('textbox', { name: /Team/ }), 'payments{Enter}');
    await waitFor(() => expect(lastParams(vigil)).toMatchObject({ team: 'payments' }));
    const { from, to } = lastParams(vigil);
    expect(Date.parse(to) - Date.parse(from)).toBe(7 * 86_400_000);
  });

  it('shows the API error', async () => {
    const vigil = fakeVigil({ report });
    vigil.refuse('GET /reports/sla', 400, 'invalid_request', 'invalid query parameters');
    renderApp('/a/vigil-incidents-app/reports');
    expect(await screen.findByText('invalid query parameters')).toBeInTheDocument();
  });
});
