import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { findOperation, type Postmortem } from '@vigil/api-contract';
import { API_BASE } from '../../constants';
import { fakeVigil, incident } from '../../test-support/fakeVigil';
import { renderApp } from '../../test-support/renderApp';
import { testIds } from '../../testIds';

const withTimeline = (id: number) =>
  incident({
    id,
    timeline: [
      {
        id: 1,
        incident_id: id,
        at: '2026-12-01T11:00:00.000Z',
        kind: 'opened',
        actor: 'am',
        message: '1 alert fired',
        data: null,
      },
      {
        id: 2,
        incident_id: id,
        at: '2026-12-01T11:05:00.000Z',
        kind: 'note',
        actor: 'bob',
        message: 'rolled back',
        data: null,
      },
    ],
  });

const written = (id: number): Postmortem => ({
  incident_id: id,
  summary: 'Checkout failed for 12 minutes.\n<b>bold?</b>',
  impact: '8% of orders',
  root_cause: 'A bad deploy',
  timeline: [withTimeline(id).timeline[1]!],
  action_items: [{ title: 'Canary deploys', owner: 'alice', status: 'open', due_date: '2026-12-24' }],
  created_at: '2026-12-01T13:00:00.000Z',
  created_by: 'alice',
  updated_at: '2026-12-01T13:00:00.000Z',
  updated_by: 'alice',
});

async function open(id: number) {
  const view = renderApp(`/a/vigil-incidents-app/incidents/${id}/postmortem`);
  await screen.findByRole('heading', { name: new RegExp(`#${id} `) });
  return view;
}

describe('Postmortem page', () => {
  it('lets a responder write one: texts, a timeline excerpt and owned action items, saved whole', async () => {
    const user = userEvent.setup({ delay: null });
    const vigil = fakeVigil({ incidents: [withTimeline(3)], users: ['alice', 'bob'] });
    await open(3);
    expect(screen.queryByTestId(testIds.postmortem.markdown)).toBeNull();
    await user.type(screen.getByRole('textbox', { name: /Summary/ }), 'Checkout failed');
    await user.type(screen.getByRole('textbox', { name: /Root cause/ }), 'A bad deploy');
    await user.click(screen.getByRole('checkbox', { name: /rolled back/ }));
    await user.click(screen.getByRole('button', { name: 'Add action item' }));
    const item = screen.getByRole('group', { name: 'Action item 1' });
    await user.type(within(item).getByRole('textbox', { name: 'Title' }), 'Canary deploys');
    // jsdom lays out no menu (Combobox virtualises it): the owner is typed and taken with Enter.
    await user.type(within(item).getByRole('combobox'), 'bob{Enter}');
    await user.type(within(item).getByLabelText('Due date of action item 1'), '2026-12-24');
    await user.click(screen.getByRole('button', { name: 'Create postmortem' }));

    expect(await screen.findByTestId(testIds.postmortem.saved)).toHaveTextContent('Saved.');
    const put = vigil.requests.find((r) => r.method === 'PUT');
    expect(put).toMatchObject({
      path: '/incidents/3/postmortem',
      data: {
        summary: 'Checkout failed',
        impact: '',
        root_cause: 'A bad deploy',
        timeline_entry_ids: [2],
        action_items: [{ title: 'Canary deploys', owner: 'bob', status: 'open', due_date: '2026-12-24' }],
      },
    });
    const link = await screen.findByTestId(testIds.postmortem.markdown);
    const href = link.getAttribute('href') ?? '';
    expect(href).toBe(`${API_BASE}/incidents/3/postmortem.md`);
    expect(findOperation('GET', `/api/v1${href.slice(API_BASE.length)}`)?.id).toBe('exportPostmortem');
    expect(screen.getByRole('button', { name: 'Save postmortem' })).toBeEnabled();
  });

  it('edits a written one, marking an item done and removing none; a refusal is shown as the receiver words it', async () => {
    const user = userEvent.setup({ delay: null });
    const vigil = fakeVigil({ incidents: [withTimeline(4)], postmortems: { 4: written(4) } });
    await open(4);
    expect(screen.getByRole('textbox', { name: /Impact/ })).toHaveValue('8% of orders');
    expect(screen.getByRole('checkbox', { name: /rolled back/ })).toBeChecked();
    const item = screen.getByRole('group', { name: 'Action item 1' });
    await user.click(within(item).getByRole('radio', { name: 'Done' }));
    vigil.refuse(
      'PUT /incidents/4/postmortem',
      400,
      'invalid_request',
      'invalid body (action_items.0.owner: "alice" is not a Vigil user)',
    );
    await user.click(screen.getByRole('button', { name: 'Save postmortem' }));
    expect(await screen.findByTestId(testIds.postmortem.error)).toHaveTextContent('action_items.0.owner');
    expect(vigil.requests.find((r) => r.method === 'PUT')?.data).toMatchObject({
      action_items: [{ title: 'Canary deploys', owner: 'alice', status: 'done' }],
    });
  });

  it('removes an action item before saving', async () => {
    const user = userEvent.setup({ delay: null });
    const vigil = fakeVigil({ incidents: [withTimeline(5)], postmortems: { 5: written(5) } });
    await open(5);
    await user.click(screen.getByRole('button', { name: 'Remove action item 1' }));
    await user.click(screen.getByRole('button', { name: 'Save postmortem' }));
    await screen.findByTestId(testIds.postmortem.saved);
    expect(vigil.postmortems.get(5)?.action_items).toEqual([]);
  });

  it('shows a viewer the postmortem read-only, texts as text, with the Markdown download', async () => {
    fakeVigil({
      caller: { name: 'grafana', role: 'viewer' },
      incidents: [withTimeline(6)],
      postmortems: { 6: written(6) },
    });
    const { container } = await open(6);
    const view = screen.getByTestId(testIds.postmortem.view);
    expect(screen.queryByTestId(testIds.postmortem.form)).toBeNull();
    expect(within(view).getByText(/<b>bold\?<\/b>/)).toBeInTheDocument();
    expect(container.querySelector('b')).toBeNull();
    expect(within(view).getByText('rolled back')).toBeInTheDocument();
    expect(within(view).getByTestId(testIds.postmortem.actionItem)).toHaveTextContent(
      'open Canary deploys — alice, due 2026-12-24',
    );
    expect(screen.getByTestId(testIds.postmortem.markdown)).toHaveAttribute('download');
  });

  it('tells a viewer none is written yet, and why they cannot write it', async () => {
    fakeVigil({ caller: { name: 'grafana', role: 'viewer' }, incidents: [withTimeline(7)] });
    await open(7);
    expect(screen.getByText('No postmortem yet')).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.postmortem.form)).toBeNull();
  });

  it('says so when the incident does not exist', async () => {
    fakeVigil({ incidents: [] });
    renderApp('/a/vigil-incidents-app/incidents/99/postmortem');
    expect(await screen.findByText(/incident 99 does not exist/)).toBeInTheDocument();
  });
});
