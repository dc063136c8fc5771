import { join } from 'node:path';
import { pushAlerts, startAlertmanager, waitFor, type Alertmanager } from '@vigil/testkit';
import Database from 'better-sqlite3';
import { tempDir } from './helpers';
import { buildReceiver, startReceiver, type ReceiverProcess } from './processes';

const API_TOKEN = 'integration-viewer';
const HOOK_TOKEN = 'integration-hook';

let dir: string;
let cleanup: () => void;
let receiver: ReceiverProcess;
let alertmanager: Alertmanager;

beforeAll(async () => {
  buildReceiver();
  ({ dir, cleanup } = tempDir('vigil-am-'));
  receiver = await startReceiver(
    dir,
    {
      webhook: { bearer_token: { env: 'HOOK' } },
      api: { tokens: [{ name: 'test', role: 'viewer', token: { env: 'API' } }] },
    },
    { HOOK: HOOK_TOKEN, API: API_TOKEN },
  );
  const webhook = (name: string) => ({
    name,
    webhook_configs: [
      {
        url: `${receiver.url}/api/v1/alertmanager`,
        send_resolved: true,
        http_config: { authorization: { type: 'Bearer', credentials: HOOK_TOKEN } },
      },
    ],
  });
  alertmanager = await startAlertmanager({
    dir,
    config: {
      route: {
        receiver: 'vigil',
        group_by: ['alertname', 'service'],
        group_wait: '1s',
        group_interval: '1s',
        repeat_interval: '1h',
        routes: [
          // The duplicated case: both receivers get the same alerts, as a misconfigured or migrating setup would.
          { matchers: ['duplicated="yes"'], receiver: 'vigil', continue: true },
          { matchers: ['duplicated="yes"'], receiver: 'vigil-copy' },
        ],
      },
      receivers: [webhook('vigil'), webhook('vigil-copy')],
    },
  });
});

afterAll(async () => {
  await alertmanager?.stop();
  await receiver?.stop();
  cleanup?.();
});

interface IncidentSummary {
  id: number;
  status: string;
  service: string;
  severity: string;
  receiver: string;
}

async function incidentsFor(service: string): Promise<IncidentSummary[]> {
  const res = await fetch(`${receiver.url}/api/v1/incidents?service=${service}`, {
    headers: { Authorization: `Bearer ${API_TOKEN}` },
  });
  if (!res.ok) throw new Error(`list failed: ${res.status}`);
  return ((await res.json()) as { items: IncidentSummary[] }).items;
}

const until = (what: string, service: string, accept: (items: IncidentSummary[]) => boolean) =>
  waitFor(what, async () => {
    const items = await incidentsFor(service);
    return accept(items) ? items : undefined;
  });

describe('with a real Alertmanager', () => {
  it('opens an incident when an alert fires and resolves it when the alert resolves', async () => {
    const startsAt = new Date().toISOString();
    const labels = { alertname: 'CheckoutDown', service: 'checkout', severity: 'critical', team: 'shop' };
    await pushAlerts(alertmanager.url, [{ labels, annotations: { summary: 'checkout is down' }, startsAt }]);
    const [opened] = await until('an incident', 'checkout', (items) => items.length === 1);
    expect(opened).toMatchObject({ status: 'triggered', severity: 'critical', receiver: 'vigil' });

    await pushAlerts(alertmanager.url, [{ labels, startsAt, endsAt: new Date().toISOString() }]);
    const [resolved] = await until(
      'the incident to resolve',
      'checkout',
      (items) => items[0]?.status === 'resolved',
    );
    expect(resolved!.id).toBe(opened!.id);
  });

  it('makes one incident of the same alerts delivered to two receivers', async () => {
    await pushAlerts(alertmanager.url, [
      { labels: { alertname: 'QueueBacklog', service: 'billing', severity: 'warning', duplicated: 'yes' } },
    ]);
    await until('an incident', 'billing', (items) => items.length >= 1);
    // Both receivers deliver: wait until both deliveries are stored and merged, then count incidents.
    const inbox = new Database(join(dir, 'vigil.db'), { readonly: true });
    try {
      await waitFor('a delivery to each receiver', async () => {
        const rows = inbox
          .prepare(
            "select distinct receiver from inbox where payload like '%QueueBacklog%' and processed_at is not null",
          )
          .all();
        return rows.length === 2 ? true : undefined;
      });
    } finally {
      inbox.close();
    }
    expect(await incidentsFor('billing')).toHaveLength(1);
  });
});
