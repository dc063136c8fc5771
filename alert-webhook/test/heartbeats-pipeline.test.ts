import { join } from 'node:path';
import {
  startAlertmanager,
  startPrometheus,
  startSmtpSink,
  waitFor,
  type Alertmanager,
  type Prometheus,
  type SmtpSink,
} from '@vigil/testkit';
import { tempDir } from './helpers';
import { sinkChannel } from './support/mail';
import { buildReceiver, startReceiver, type ReceiverProcess } from './processes';

/**
 * The dead man's switch end to end: two real Prometheus servers (replica a and b) evaluating the shipped
 * Watchdog rule, a real Alertmanager resending it every 2 s, and the receiver process mailing a real SMTP
 * server. Prometheus a stops: its heartbeat incident pages; it starts again: the incident resolves.
 */
const RULES = join(__dirname, '..', '..', 'rules', 'prometheus', 'meta.rules.yml');
const TOKEN = 'heartbeat-viewer';

let smtp: SmtpSink;
let receiver: ReceiverProcess;
let alertmanager: Alertmanager;
const prometheus: Partial<Record<'a' | 'b', Prometheus>> = {};
const cleanups: (() => void)[] = [];

function startReplica(replica: 'a' | 'b') {
  return startPrometheus({
    config: {
      global: { evaluation_interval: '1s', external_labels: { replica } },
      alerting: {
        alertmanagers: [{ static_configs: [{ targets: [new URL(alertmanager.url).host] }] }],
      },
      rule_files: [RULES],
    },
    // Alerts sent every second, valid for 4 s: a stopped Prometheus's Watchdog expires in Alertmanager soon.
    args: ['--rules.alert.resend-delay=1s'],
  });
}

beforeAll(async () => {
  buildReceiver();
  smtp = await startSmtpSink();
  const { dir, cleanup } = tempDir('vigil-heartbeats-');
  cleanups.push(cleanup);
  receiver = await startReceiver(
    dir,
    {
      api: { tokens: [{ name: 'viewer', role: 'viewer', token: { env: 'TOKEN' } }] },
      notifications: {
        channels: {
          oncall: sinkChannel(smtp, 'oncall@vigil.test'),
        },
        retry: { max_attempts: 3, initial_delay: '100ms', max_delay: '100ms' },
      },
      heartbeats: [{ name: 'watchdog', source_labels: ['replica'], timeout: '8s' }],
      routing: {
        team: 'ops',
        channels: [],
        routes: [{ matchers: ['alertname="HeartbeatMissing"'], channels: ['oncall'] }],
      },
      log_level: 'warn',
    },
    { TOKEN },
  );
  alertmanager = await startAlertmanager({
    config: {
      route: {
        receiver: 'vigil',
        group_by: ['alertname', 'replica'],
        group_wait: '1s',
        group_interval: '1s',
        repeat_interval: '2s',
      },
      receivers: [
        {
          name: 'vigil',
          webhook_configs: [{ url: `${receiver.url}/api/v1/alertmanager`, send_resolved: true }],
        },
      ],
    },
  });
  prometheus.a = await startReplica('a');
  prometheus.b = await startReplica('b');
});

afterAll(async () => {
  for (const p of Object.values(prometheus)) await p?.stop();
  await alertmanager?.stop();
  await receiver?.stop();
  await smtp?.close();
  for (const cleanup of cleanups) cleanup();
});

/** The receiver's heartbeat series, by replica. */
async function heartbeatSeries(name: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${receiver.url}/metrics`)).text();
  const pattern = new RegExp(`^${name}\\{replica="(\\w)",heartbeat="watchdog"\\} (\\S+)$`, 'gm');
  return Object.fromEntries([...text.matchAll(pattern)].map((m) => [m[1], Number(m[2])]));
}

async function incidents() {
  const res = await fetch(`${receiver.url}/api/v1/incidents`, {
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  return ((await res.json()) as { items: { id: number; title: string; status: string }[] }).items;
}

const mails = () => smtp.received.map((m) => m.subject ?? '');

describe('heartbeats with real Prometheus and Alertmanager', () => {
  it('pages when a Prometheus stops sending its Watchdog, and resolves when it is back', async () => {
    await waitFor(
      'heartbeats from both replicas',
      async () => {
        const last = await heartbeatSeries('vigil_heartbeat_last_received_timestamp_seconds');
        return last.a && last.b ? last : undefined;
      },
      { timeoutMs: 60_000 },
    );
    expect(await incidents()).toEqual([]); // the Watchdog itself opens no incident
    expect(mails()).toEqual([]);

    const stoppedAt = Date.now();
    await prometheus.a!.stop();
    prometheus.a = undefined;
    const page = await waitFor(
      'the heartbeat page',
      async () => mails().find((s) => s.includes('No watchdog heartbeat')),
      { timeoutMs: 60_000 },
    );
    // The last beat came at most 4 s after the stop (the alert's validity), the timeout is 8 s.
    expect(Date.now() - stoppedAt).toBeGreaterThan(8000);
    expect(page).toMatch(/^\[CRITICAL\] .*No watchdog heartbeat from replica="a" since /);
    const [opened, ...others] = await incidents();
    expect(others).toEqual([]);
    expect(opened).toMatchObject({ status: 'triggered' });
    expect(await heartbeatSeries('vigil_heartbeat_missing')).toEqual({ a: 1, b: 0 });

    prometheus.a = await startReplica('a');
    await waitFor(
      'the incident to resolve',
      async () => ((await incidents())[0]?.status === 'resolved' ? true : undefined),
      { timeoutMs: 60_000 },
    );
    await waitFor('the resolve mail', async () => mails().find((s) => s.startsWith('[RESOLVED]')), {
      timeoutMs: 30_000,
    });
    expect(mails()).toHaveLength(2);
    expect(await incidents()).toHaveLength(1);
    expect(await heartbeatSeries('vigil_heartbeat_missing')).toEqual({ a: 0, b: 0 });
  });
});
