import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeMaintenance } from '../../test-support/fakeMaintenance';
import { fakeVigil, incident } from '../../test-support/fakeVigil';
import { renderApp } from '../../test-support/renderApp';
import { testIds } from '../../testIds';

const PATH = '/a/vigil-incidents-app/maintenance';

async function openForm() {
  const search = { ...incident().alerts[0]!, labels: { alertname: 'Slow', service: 'search' } };
  const vigil = fakeVigil({ incidents: [incident({ id: 1 }), incident({ id: 2, alerts: [search] })] });
  const maintenance = fakeMaintenance(vigil.requests);
  renderApp(PATH);
  const form = await screen.findByRole('form', { name: 'New maintenance window' });
  return { vigil, maintenance, form };
}

const posts = (vigil: ReturnType<typeof fakeVigil>) =>
  vigil.requests.filter((r) => r.method === 'POST' && r.path === '/maintenance');

describe('New maintenance window', () => {
  it("checks matchers live with alert-webhook's refusal, creating nothing, and names the bad one", async () => {
    const { vigil, maintenance, form } = await openForm();
    const first = within(form).getByLabelText('Matcher 1');
    await userEvent.type(first, 'service="checkout');
    expect(await within(form).findByText(/missing closing double quote/)).toBeInTheDocument();
    expect(within(form).getByRole('button', { name: 'Create window' })).toBeDisabled();
    // The check is a window that ends as it starts, which alert-webhook always refuses.
    const probe = posts(vigil).at(-1)!.data as { starts_at: string; ends_at: string; matchers: string[] };
    expect(probe.starts_at).toBe(probe.ends_at);
    expect(probe.matchers).toEqual(['service="checkout']);
    expect(maintenance.windows).toEqual([]);

    await userEvent.type(first, '"');
    expect(await within(form).findByText('Matchers accepted by alert-webhook')).toBeInTheDocument();
    expect(screen.queryByText(/missing closing double quote/)).toBeNull();
    const wouldCover = await within(form).findByRole('list', { name: 'Would cover' });
    expect(
      within(wouldCover)
        .getAllByRole('link')
        .map((a) => a.textContent),
    ).toEqual(['#1 HighErrorRate checkout 1']);
    expect(maintenance.windows).toEqual([]);
  });

  it('maps a refusal to the input it concerns, blank inputs left out', async () => {
    const { vigil, form } = await openForm();
    await userEvent.click(within(form).getByRole('button', { name: 'Add matcher' }));
    await userEvent.type(within(form).getByLabelText('Matcher 2'), 'service=~"(db"');
    expect(await within(form).findByText(/invalid matcher/)).toBeInTheDocument();
    expect(within(form).getByLabelText('Matcher 2')).toHaveAttribute('aria-invalid', 'true');
    expect(within(form).getByLabelText('Matcher 1')).toHaveAttribute('aria-invalid', 'false');
    expect((posts(vigil).at(-1)!.data as { matchers: string[] }).matchers).toEqual(['service=~"(db"']);
    await userEvent.click(screen.getByRole('button', { name: 'Remove matcher 2' }));
    expect(within(form).queryByLabelText('Matcher 2')).toBeNull();
  });

  it('says when the matchers as a whole cannot make a window', async () => {
    const { form } = await openForm();
    await userEvent.type(within(form).getByLabelText('Matcher 1'), 'service!="db"');
    expect(await within(form).findByText(/does not match the empty string/)).toBeInTheDocument();
    expect(within(form).getByRole('button', { name: 'Create window' })).toBeDisabled();
  });

  it('creates a window from now for the chosen duration, and lists it', async () => {
    const { vigil, maintenance, form } = await openForm();
    await userEvent.type(within(form).getByLabelText('Matcher 1'), 'service="checkout"');
    await userEvent.click(within(form).getByLabelText('2h'));
    await userEvent.type(within(form).getByLabelText('Comment'), 'failover drill');
    await within(form).findByText('Matchers accepted by alert-webhook');
    const before = Date.now();
    await userEvent.click(within(form).getByRole('button', { name: 'Create window' }));
    await screen.findByRole('region', { name: 'Maintenance window Window #1' });
    const sent = posts(vigil).at(-1)!.data as Record<string, string>;
    expect(sent).toMatchObject({ matchers: ['service="checkout"'], comment: 'failover drill' });
    expect(sent.starts_at).toBeUndefined();
    const lasts = Date.parse(sent.ends_at!) - before;
    expect(lasts).toBeGreaterThanOrEqual(2 * 3600_000 - 60_000);
    expect(lasts).toBeLessThanOrEqual(2 * 3600_000 + 60_000);
    expect(maintenance.windows).toHaveLength(1);
    expect(within(form).getByLabelText('Matcher 1')).toHaveValue('');
  });

  it("sends a chosen start, and shows alert-webhook's refusal", async () => {
    const { vigil, form } = await openForm();
    await userEvent.type(within(form).getByLabelText('Matcher 1'), 'service="checkout"');
    const start = within(form).getByLabelText(/^Starts/);
    await userEvent.type(start, '2020-01-01T10:00');
    await userEvent.click(within(form).getByLabelText('30m'));
    await userEvent.click(within(form).getByRole('button', { name: 'Create window' }));
    const error = await screen.findByTestId(testIds.maintenance.formError);
    expect(error).toHaveTextContent('invalid body (ends_at: must be in the future)');
    const sent = posts(vigil).at(-1)!.data as Record<string, string>;
    expect(Date.parse(sent.ends_at!) - Date.parse(sent.starts_at!)).toBe(1800_000);
    expect(sent.starts_at).toBe(new Date('2020-01-01T10:00').toISOString());
    await waitFor(() => expect(within(form).getByLabelText('Matcher 1')).toHaveValue('service="checkout"'));
  });
});
