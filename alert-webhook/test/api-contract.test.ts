/**
 * The contract test: the receiver process, as deployed, called at every operation of @vigil/api-contract;
 * each answer is checked twice, against the zod schema (strict: an unknown field fails) and against the
 * OpenAPI document the server itself serves (JSON Schema 2020-12, additionalProperties false). An operation
 * added to the contract without a call here fails the last test.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { errorBody, isDocument, OPERATIONS, type Operation } from '@vigil/api-contract';
import { tempDir } from '@vigil/testkit';
import { signAckToken, signViewToken } from '../src/notify/links';
import { notification } from './helpers';
import { buildReceiver, startReceiver, type ReceiverProcess } from './processes';

const ACK_SECRET = 'contract-test-ack-secret-0123456789abcdef';
const TOKENS = { viewer: 'viewer-token', responder: 'responder-token', admin: 'admin-token' } as const;

let receiver: ReceiverProcess;
let cleanup: () => void;
let validateAgainstDocument: (op: Operation, status: number, body: unknown) => string | undefined;
const exercised = new Map<string, Set<number>>();

beforeAll(async () => {
  buildReceiver();
  const dir = tempDir('vigil-contract-');
  cleanup = dir.cleanup;
  receiver = await startReceiver(
    dir.dir,
    {
      server: { public_url: 'http://127.0.0.1:9096' },
      api: {
        tokens: Object.entries(TOKENS).map(([role, token]) => ({ name: role, role, token: { env: token } })),
      },
      notifications: {
        ack_links: { secret: { env: 'ACK_SECRET' } },
        // Unused by the routes: the users own postmortem action items.
        channels: {
          'alice-pager': { kind: 'webhook', url: 'http://127.0.0.1:9/', secret: { env: 'ACK_SECRET' } },
        },
      },
      users: [
        { name: 'alice', channels: ['alice-pager'] },
        { name: 'bob', channels: ['alice-pager'] },
      ],
      oncall: {
        schedules: [
          {
            name: 'primary',
            rotations: [
              {
                name: 'weekly',
                type: 'weekly',
                handoff: '09:00',
                time_zone: 'UTC',
                start: '2026-11-02',
                participants: ['alice', 'bob'],
              },
            ],
          },
        ],
      },
      log_level: 'warn',
    },
    { ...Object.fromEntries(Object.values(TOKENS).map((t) => [t, t])), ACK_SECRET },
  );

  const document = (await (await fetch(`${receiver.url}/api/v1/openapi.json`)).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(document, 'openapi');
  const pointer = (...parts: string[]) =>
    parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
  validateAgainstDocument = (op, status, body) => {
    const ref = `openapi#/${pointer('paths', op.path, op.method, 'responses', String(status), 'content', 'application/json', 'schema')}`;
    const validate = ajv.compile({ $ref: ref });
    return validate(body) ? undefined : ajv.errorsText(validate.errors);
  };
}, 120_000);

afterAll(async () => {
  await receiver?.stop();
  cleanup?.();
});

interface Call {
  as?: keyof typeof TOKENS;
  query?: Record<string, string>;
  body?: unknown;
  /** Path parameters. */
  params?: Record<string, string | number>;
  contentType?: string;
}

/** An answer's JSON, as the test reads it (its shape was checked against the contract). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- checked at run time against the schemas
type Answer = any;

/** Calls an operation and checks the answer against the contract; returns the parsed JSON (or text). */
async function call(
  id: string,
  c: Call = {},
  expected?: number,
): Promise<{ status: number; body: Answer; text: string }> {
  const op = OPERATIONS.find((o) => o.id === id);
  if (!op) throw new Error(`no operation ${id}`);
  const path = op.path.replace(/\{([a-z_]+)\}/g, (_m, name: string) => String(c.params?.[name]));
  const url = new URL(`${receiver.url}${path}`);
  for (const [k, v] of Object.entries(c.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = {};
  if (c.as) headers.Authorization = `Bearer ${TOKENS[c.as]}`;
  if (c.body !== undefined) headers['Content-Type'] = c.contentType ?? 'application/json';
  const response = await fetch(url, {
    method: op.method.toUpperCase(),
    headers,
    body: c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : JSON.stringify(c.body),
  });
  const text = await response.text();
  const status = response.status;
  if (expected !== undefined)
    expect({ id, status, text: text.slice(0, 300) }).toMatchObject({ status: expected });
  (exercised.get(id) ?? exercised.set(id, new Set()).get(id)!).add(status);
  const type = response.headers.get('content-type') ?? '';
  if (status === op.status) {
    if (isDocument(op.response)) {
      expect(type.startsWith(op.response.mediaType)).toBe(true);
      return { status, body: type.includes('json') ? JSON.parse(text) : text, text };
    }
    const body = JSON.parse(text) as unknown;
    const parsed = op.response.safeParse(body);
    if (!parsed.success)
      throw new Error(`${id}: the answer does not fit the contract: ${parsed.error.message}`);
    expect(validateAgainstDocument(op, status, body)).toBeUndefined();
    return { status, body, text };
  }
  if (op.access === 'signed-link') {
    expect(type).toMatch(/^text\/html/);
    return { status, body: text, text };
  }
  // An error: the one error body, with a status and code the contract lists for this operation.
  const body = JSON.parse(text) as unknown;
  errorBody.parse(body);
  expect(validateAgainstDocument(op, status, body)).toBeUndefined();
  const codes = { ...op.errors, 401: ['unauthorized'], 403: ['forbidden'] }[status as 400];
  expect({ id, status, listed: codes?.includes(errorBody.parse(body).error.code) ?? false }).toEqual({
    id,
    status,
    listed: true,
  });
  return { status, body, text };
}

describe('every operation answers as the contract says', () => {
  let incidentId: number;
  let windowId: number;

  it('the webhook stores deliveries and refuses what is not one', async () => {
    await call(
      'receiveAlerts',
      { body: notification([{ fingerprint: 'c1', labels: { service: 'checkout' } }], { groupKey: 'c1' }) },
      200,
    );
    await call('receiveAlerts', { body: { version: '4' } }, 400);
    await call('receiveAlerts', { body: 'x', contentType: 'text/plain' }, 415);
  });

  it('incidents: list, filters, CSV, detail, actions and the state machine', async () => {
    const page = await waitForIncident();
    incidentId = page.items[0].id;
    expect(page.items[0].route).toEqual(expect.objectContaining({ key: '{}', channels: [] }));
    await call('listIncidents', { as: 'viewer', query: { status: 'triggered', limit: '1' } }, 200);
    await call('listIncidents', { as: 'viewer', query: { status: 'closed' } }, 400);
    await call('listIncidents', {}, 401);
    const csv = await call('exportIncidents', { as: 'viewer', query: { service: 'checkout' } }, 200);
    expect(csv.text.split('\r\n')[0]).toMatch(/^id,status,severity,title,service/);
    expect(csv.text).toContain(`${incidentId},triggered,warning`);
    await call('exportIncidents', { as: 'viewer', query: { since: 'yesterday' } }, 400);
    await call('getIncident', { as: 'viewer', params: { id: incidentId } }, 200);
    await call('getIncident', { as: 'viewer', params: { id: 999999 } }, 404);
    await call('acknowledgeIncident', { as: 'viewer', params: { id: incidentId }, body: {} }, 403);
    await call(
      'acknowledgeIncident',
      { as: 'responder', params: { id: incidentId }, body: { note: 'on it' } },
      200,
    );
    await call(
      'addIncidentNote',
      { as: 'responder', params: { id: incidentId }, body: { text: 'restarting' } },
      200,
    );
    await call('addIncidentNote', { as: 'responder', params: { id: incidentId }, body: { text: ' ' } }, 400);
    await call(
      'assignIncident',
      { as: 'responder', params: { id: incidentId }, body: { assignee: 'bob' } },
      200,
    );
    await call('reopenIncident', { as: 'responder', params: { id: incidentId }, body: {} }, 409);
    const resolved = await call(
      'resolveIncident',
      { as: 'admin', params: { id: incidentId }, body: {} },
      200,
    );
    expect(resolved.body.status).toBe('resolved');
    await call('reopenIncident', { as: 'responder', params: { id: incidentId }, body: {} }, 200);
    await call('listIncidentNotifications', { as: 'viewer', params: { id: incidentId } }, 200);
    await call('listIncidentNotifications', { as: 'viewer', params: { id: 999999 } }, 404);
  });

  it('on-call, maintenance, reports, audit, whoami and the document itself', async () => {
    await call('getOnCall', { as: 'viewer', query: { at: '2026-11-20T12:00:00Z' } }, 200);
    await call('getOnCall', { as: 'viewer', query: { schedule: 'nope' } }, 404);
    const ends = new Date(Date.now() + 3_600_000).toISOString();
    const created = await call(
      'createMaintenanceWindow',
      { as: 'responder', body: { matchers: ['service="checkout"'], ends_at: ends, comment: 'deploy' } },
      201,
    );
    windowId = created.body.id;
    await call(
      'createMaintenanceWindow',
      { as: 'responder', body: { matchers: ['service=~"("'], ends_at: ends } },
      400,
    );
    await call(
      'createMaintenanceWindow',
      { as: 'viewer', body: { matchers: ['service="x"'], ends_at: ends } },
      403,
    );
    await call('listMaintenanceWindows', { as: 'viewer' }, 200);
    await call('getMaintenanceWindow', { as: 'viewer', params: { id: windowId } }, 200);
    await call('getMaintenanceWindow', { as: 'viewer', params: { id: 999999 } }, 404);
    await call('deleteMaintenanceWindow', { as: 'responder', params: { id: windowId } }, 200);
    // Again: the window as it ended; one that never existed is 404.
    await call('deleteMaintenanceWindow', { as: 'responder', params: { id: windowId } }, 200);
    await call('deleteMaintenanceWindow', { as: 'responder', params: { id: 999999 } }, 404);
    await call('getSlaReport', { as: 'viewer' }, 200);
    await call(
      'getSlaReport',
      { as: 'viewer', query: { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z' } },
      400,
    );
    const csv = await call('exportSlaReport', { as: 'viewer' }, 200);
    expect(csv.text.split('\r\n')[0]).toBe('section,from,to,incidents,mtta_seconds,mttr_seconds');
    const audit = await call(
      'listAuditLog',
      { as: 'admin', query: { incident_id: String(incidentId), limit: '2' } },
      200,
    );
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(['reopen', 'resolve']);
    expect(audit.body.next_cursor).not.toBeNull();
    await call(
      'listAuditLog',
      { as: 'admin', query: { cursor: audit.body.next_cursor, action: 'acknowledge' } },
      200,
    );
    await call('listAuditLog', { as: 'responder' }, 403);
    await call('listAuditLog', { as: 'admin', query: { since: 'soon' } }, 400);
    await call('whoami', { as: 'responder' }, 200);
    await call('whoami', {}, 401);
    await call('getOpenApi', {}, 200);
  });

  it('postmortems: written whole by responders, read by viewers, exported as Markdown, audited', async () => {
    const params = { id: incidentId };
    await call('getPostmortem', { as: 'viewer', params }, 404);
    await call('exportPostmortem', { as: 'viewer', params }, 404);
    const detail = await call('getIncident', { as: 'viewer', params }, 200);
    const [first, second] = detail.body.timeline.map((e: { id: number }) => e.id);
    const body = {
      summary: 'Checkout failed for *12 minutes*.',
      impact: '8% of orders',
      root_cause: 'A bad deploy',
      timeline_entry_ids: [second, first],
      action_items: [
        { title: 'Canary deploys', owner: 'alice', due_date: '2026-12-24' },
        { title: 'Alert on <error> ratio', owner: null, status: 'done' },
      ],
    };
    await call('putPostmortem', { as: 'viewer', params, body }, 403);
    const written = await call('putPostmortem', { as: 'responder', params, body }, 200);
    expect(written.body).toMatchObject({
      incident_id: incidentId,
      created_by: 'responder',
      timeline: [{ id: first }, { id: second }],
      action_items: [
        { title: 'Canary deploys', owner: 'alice', status: 'open', due_date: '2026-12-24' },
        { title: 'Alert on <error> ratio', owner: null, status: 'done', due_date: null },
      ],
    });
    const again = await call(
      'putPostmortem',
      { as: 'admin', params, body: { ...body, action_items: [], summary: 'Shorter' } },
      200,
    );
    expect(again.body).toMatchObject({ summary: 'Shorter', action_items: [], created_by: 'responder' });
    expect(again.body.updated_by).toBe('admin');
    await call('putPostmortem', { as: 'responder', params, body }, 200);
    const read = await call('getPostmortem', { as: 'viewer', params }, 200);
    expect(read.body).toEqual({ ...written.body, updated_by: 'responder', updated_at: read.body.updated_at });
    const md = await call('exportPostmortem', { as: 'viewer', params }, 200);
    expect(md.text).toContain(`# Postmortem: #${incidentId} `);
    expect(md.text).toContain('## Summary\n\nCheckout failed for *12 minutes*.');
    expect(md.text).toContain('- [ ] Canary deploys (owner alice, due 2026-12-24)');
    expect(md.text).toContain('- [x] Alert on \\<error\\> ratio (owner nobody yet)');

    // Each refusal names the field.
    const refused = async (bad: unknown, field: string) => {
      const answer = await call('putPostmortem', { as: 'responder', params, body: bad }, 400);
      expect(answer.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    };
    await refused({ ...body, action_items: [{ title: 'x', owner: 'mallory' }] }, 'action_items.0.owner');
    await refused({ ...body, timeline_entry_ids: [first, 999999] }, 'timeline_entry_ids.1');
    await refused({ ...body, verdict: 'guilty' }, 'verdict');
    await refused({ ...body, summary: 'x'.repeat(8001) }, 'summary');
    await refused({ ...body, action_items: [{ title: ' ' }] }, 'action_items.0.title');
    await refused({ ...body, action_items: [{ title: 'x', due_date: 'friday' }] }, 'action_items.0.due_date');
    await call('putPostmortem', { as: 'responder', params: { id: 999999 }, body }, 404);
    await call('putPostmortem', { as: 'responder', params, body: 'x'.repeat(70_000) }, 413);
    await call('listUsers', { as: 'viewer' }, 200).then((users) =>
      expect(users.body).toEqual({ items: [{ name: 'alice' }, { name: 'bob' }] }),
    );
    const audit = await call('listAuditLog', { as: 'admin', query: { action: 'postmortem' } }, 200);
    expect(audit.body.items.map((e: { actor: string }) => e.actor)).toEqual([
      'responder',
      'admin',
      'responder',
    ]);
  });

  it('signed links: the acknowledge page, its button and the read-only incident page', async () => {
    const later = Date.now() + 3_600_000;
    await call('showAckPage', { params: { token: signAckToken(ACK_SECRET, incidentId, later) } }, 200);
    await call(
      'showAckPage',
      { params: { token: signAckToken(ACK_SECRET, incidentId, Date.now() - 1000) } },
      410,
    );
    await call('acknowledgeByLink', { params: { token: signAckToken(ACK_SECRET, incidentId, later) } }, 200);
    await call('acknowledgeByLink', { params: { token: signAckToken(ACK_SECRET, 999999, later) } }, 404);
    await call(
      'showIncidentByLink',
      { params: { token: signViewToken(ACK_SECRET, incidentId, later) } },
      200,
    );
    await call('showIncidentByLink', { params: { token: 'forged' } }, 403);
  });

  it('no operation of the contract went uncalled, and each answered its success status', () => {
    const missing = OPERATIONS.filter((op) => !exercised.get(op.id)?.has(op.status)).map((op) => op.id);
    expect(missing).toEqual([]);
  });

  async function waitForIncident() {
    for (let i = 0; i < 100; i++) {
      const page = await call('listIncidents', { as: 'viewer' }, 200);
      if (page.body.items.length > 0) return page.body;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the delivery never became an incident');
  }
});
