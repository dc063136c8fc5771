import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeVigil, incident } from '../../test-support/fakeVigil';
import { renderApp } from '../../test-support/renderApp';
import { findOperation, incidentFilters } from '@vigil/api-contract';
import { API_BASE } from '../../constants';
import { testIds } from '../../testIds';

const rows = () =>
  screen.queryAllByTestId(testIds.incidents.row).map((r) => within(r).getByRole('link').textContent);
const choice = (group: string, option: string) =>
  within(screen.getByRole('radiogroup', { name: group })).getByRole('radio', { name: option });
const lastList = (vigil: ReturnType<typeof fakeVigil>) =>
  vigil.requests.filter((r) => r.path === '/incidents').at(-1)?.params;

function seed() {
  return fakeVigil({
    incidents: [
      incident({ id: 1, title: 'Disk full', severity: 'warning', service: 'db', team: 'storage' }),
      incident({ id: 2, title: 'Checkout errors', status: 'acknowledged' }),
      incident({ id: 3, title: 'Old latency', status: 'resolved', opened_at: '2026-10-01T00:00:00.000Z' }),
      incident({ id: 4, title: 'Login errors', service: 'auth', team: 'identity' }),
    ],
  });
}

/** The Export CSV link's path below the API and its query, as the browser would send them. */
function csvLink() {
  const href = screen.getByTestId(testIds.incidents.csv).getAttribute('href') ?? '';
  const url = new URL(href, 'http://grafana.local');
  return { path: url.pathname.slice(API_BASE.length), query: Object.fromEntries(url.searchParams) };
}

describe('Incidents page', () => {
  it('exports CSV with the filters in force, in a query the receiver accepts', async () => {
    const user = userEvent.setup({ delay: null });
    seed();
    renderApp('/a/vigil-incidents-app/incidents?severity=warning&service=db');
    await waitFor(() => expect(rows()).toEqual(['#1 Disk full']));
    const { path, query } = csvLink();
    expect(findOperation('GET', `/api/v1${path}`)?.id).toBe('exportIncidents');
    expect(query).toEqual({
      status: 'triggered,acknowledged',
      severity: 'warning',
      service: 'db',
    });
    expect(incidentFilters.safeParse(query).success).toBe(true);
    await user.click(choice('Status', 'All'));
    await waitFor(() => expect(csvLink().query.status).toBeUndefined());
    expect(screen.getByTestId(testIds.incidents.csv)).toHaveAttribute('download');
    // Grafana routes a click on an anchor without a target itself, to a "page not found".
    expect(screen.getByTestId(testIds.incidents.csv)).toHaveAttribute('target', '_self');
  });

  it('lists open incidents newest first, each linking to its page', async () => {
    const vigil = seed();
    renderApp('/a/vigil-incidents-app/incidents');
    await waitFor(() => expect(rows()).toEqual(['#4 Login errors', '#2 Checkout errors', '#1 Disk full']));
    expect(screen.getByRole('link', { name: '#2 Checkout errors' })).toHaveAttribute(
      'href',
      '/a/vigil-incidents-app/incidents/2',
    );
    expect(lastList(vigil)).toEqual({ status: 'triggered,acknowledged', limit: 50 });
  });

  it('filters by status, severity, service, team and time, sending them to the API', async () => {
    const user = userEvent.setup({ delay: null });
    const vigil = seed();
    renderApp('/a/vigil-incidents-app/incidents');
    await waitFor(() => expect(rows()).toHaveLength(3));

    await user.click(choice('Status', 'All'));
    await waitFor(() => expect(rows()).toHaveLength(4));
    expect(lastList(vigil)).toEqual({ limit: 50 });

    await user.click(choice('Severity', 'warning'));
    await waitFor(() => expect(rows()).toEqual(['#1 Disk full']));
    await user.click(choice('Severity', 'All'));

    await user.type(screen.getByTestId(testIds.incidents.service), 'auth');
    await waitFor(() => expect(rows()).toEqual(['#4 Login errors']));
    expect(lastList(vigil)).toEqual({ service: 'auth', limit: 50 });
    await user.clear(screen.getByTestId(testIds.incidents.service));
    // Enter applies at once, without waiting for the typing pause.
    await user.type(screen.getByTestId(testIds.incidents.team), 'storage{Enter}');
    await waitFor(() => expect(rows()).toEqual(['#1 Disk full']));
    await user.clear(screen.getByTestId(testIds.incidents.team));
    await waitFor(() => expect(rows()).toHaveLength(4));

    const before = Date.now();
    await user.click(choice('Opened within', '7d'));
    await waitFor(() => expect(rows()).not.toContain('#3 Old latency'));
    const since = Date.parse(String(lastList(vigil)?.since));
    expect(before - since).toBeGreaterThanOrEqual(7 * 86_400_000 - 1000);
    expect(before - since).toBeLessThan(7 * 86_400_000 + 60_000);
  });

  it('starts from filters in the URL (links from dashboards) and says when nothing matches', async () => {
    const vigil = seed();
    renderApp('/a/vigil-incidents-app/incidents?status=resolved&service=db&refresh=0');
    expect(await screen.findByText('No incidents match these filters.')).toBeInTheDocument();
    expect(lastList(vigil)).toEqual({ status: 'resolved', service: 'db', limit: 50 });
    expect(screen.getByTestId(testIds.incidents.service)).toHaveValue('db');
  });

  it('takes service and team from the URL again when a link changes them (the nav item clears them)', async () => {
    const vigil = seed();
    const { navigate } = renderApp('/a/vigil-incidents-app/incidents?service=db&team=storage');
    await waitFor(() => expect(rows()).toEqual(['#1 Disk full']));
    act(() => navigate('/a/vigil-incidents-app/incidents?service=auth'));
    await waitFor(() => expect(rows()).toEqual(['#4 Login errors']));
    expect(screen.getByTestId(testIds.incidents.service)).toHaveValue('auth');
    expect(screen.getByTestId(testIds.incidents.team)).toHaveValue('');
    act(() => navigate('/a/vigil-incidents-app/incidents'));
    await waitFor(() => expect(rows()).toEqual(['#4 Login errors', '#2 Checkout errors', '#1 Disk full']));
    // Past the typing delay: the boxes did not put the old filter back.
    await act(() => new Promise((resolve) => setTimeout(resolve, 600)));
    expect(rows()).toHaveLength(3);
    expect(lastList(vigil)).toEqual({ status: 'triggered,acknowledged', limit: 50 });
    expect(screen.getByTestId(testIds.incidents.service)).toHaveValue('');
  });

  it('shows more incidents on request, while there are more', async () => {
    const user = userEvent.setup({ delay: null });
    const vigil = fakeVigil({ incidents: Array.from({ length: 60 }, (_, i) => incident({ id: i + 1 })) });
    renderApp('/a/vigil-incidents-app/incidents');
    await waitFor(() => expect(rows()).toHaveLength(50));
    await user.click(screen.getByTestId(testIds.incidents.more));
    await waitFor(() => expect(rows()).toHaveLength(60));
    expect(lastList(vigil)).toMatchObject({ limit: 100 });
    expect(rows().at(-1)).toBe('#1 HighErrorRate checkout 1');
    expect(screen.queryByTestId(testIds.incidents.more)).toBeNull();
  });

  it('shows the API error', async () => {
    const vigil = seed();
    vigil.refuse('GET /incidents', 400, 'invalid_request', 'invalid query parameters');
    renderApp('/a/vigil-incidents-app/incidents');
    expect(await screen.findByText('invalid query parameters')).toBeInTheDocument();
  });

  it('reloads by itself at the chosen interval', async () => {
    jest.useFakeTimers();
    try {
      const vigil = seed();
      renderApp('/a/vigil-incidents-app/incidents?refresh=10');
      await act(() => jest.advanceTimersByTimeAsync(0));
      expect(rows()).toHaveLength(3);
      const lists = () => vigil.calls().filter((c) => c === 'GET /incidents').length;
      const first = lists();
      vigil.incidents.push(incident({ id: 5, title: 'New one' }));
      await act(() => jest.advanceTimersByTimeAsync(9_000));
      expect(lists()).toBe(first);
      await act(() => jest.advanceTimersByTimeAsync(1_000));
      expect(lists()).toBe(first + 1);
      expect(rows()[0]).toBe('#5 New one');
    } finally {
      jest.useRealTimers();
    }
  });
});
