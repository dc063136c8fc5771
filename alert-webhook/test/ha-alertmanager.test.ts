import {
  freePorts,
  pushAlerts,
  startAlertmanager,
  startPostgres,
  waitFor,
  type Postgres,
  type RunningProcess,
} from '@vigil/testkit';
import { Pool } from 'pg';
import { alertFingerprint, normaliseTime, validatePayload } from '../src/webhook/payload';
import { tempDir } from './helpers';
import { buildReceiver, startReceiver, type ReceiverProcess } from './processes';
import { startReceiver as startRecorder, type Receiver } from './fixtures/notify/receiver';

/**
 * Issue 10: two clustered Alertmanagers and three receiver replicas on one PostgreSQL, an alert storm, and
 * a kill -9 of the leading replica and of one Alertmanager in the middle of it.
 */
const HOOK = 'ha-hook-token';
const GROUPS = 40;
const PER_GROUP = 5;
const WAVES = 4;
const LEASE = '2s';
const STEP_WAIT = '3s';

let pg: Postgres;
let pool: Pool;
let recorder: Receiver;
const dirs: (() => void)[] = [];
const processes: RunningProcess[] = [];

const query = async <T>(text: string, values: unknown[] = []) => (await pool.query(text, values)).rows as T[];

function dir(prefix: string) {
  const d = tempDir(prefix);
  dirs.push(d.cleanup);
  return d.dir;
}

beforeAll(async () => {
  buildReceiver();
  pg = await startPostgres();
  await pg.createDatabase('vigil_ha');
  pool = new Pool({ connectionString: pg.url.replace(/\/postgres$/, '/vigil_ha'), max: 2 });
  pool.on('error', () => undefined); // an idle connection closed by the server stopping
  recorder = await startRecorder(() => ({ status: 200 }));
});

afterAll(async () => {
  for (const p of processes) await p.stop('SIGKILL');
  await recorder?.close();
  await pool?.end();
  await pg?.stop();
  for (const cleanup of dirs) cleanup();
});

const replicaConfig = () => ({
  storage: {
    postgres: {
      host: pg.host,
      port: pg.port,
      database: 'vigil_ha',
      user: 'postgres',
      pool_size: 4,
      leader_lease: LEASE,
    },
  },
  webhook: { bearer_token: { env: 'HOOK' } },
  notifications: {
    channels: Object.fromEntries(
      ['opened', 'step1', 'step2'].map((name) => [
        name,
        { kind: 'webhook', url: `${recorder.url}/${name}`, secret: { env: 'HOOK_SECRET' } },
      ]),
    ),
    retry: { max_attempts: 3, initial_delay: '100ms', max_delay: '100ms' },
  },
  escalation_policies: [
    {
      name: 'page',
      steps: [
        { kind: 'notify_channels', channels: ['step1'] },
        { kind: 'wait', duration: STEP_WAIT },
        { kind: 'notify_channels', channels: ['step2'] },
      ],
    },
  ],
  routing: { team: 'ops', channels: ['opened'], escalation: 'page' },
  log_level: 'warn',
});

const alertmanagerConfig = (targets: ReceiverProcess[]) => ({
  route: {
    receiver: 'vigil',
    group_by: ['alertname', 'group'],
    group_wait: '1s',
    group_interval: '1s',
    repeat_interval: '1h',
  },
  receivers: [
    {
      name: 'vigil',
      webhook_configs: targets.map((r) => ({
        url: `${r.url}/api/v1/alertmanager`,
        send_resolved: true,
        http_config: { authorization: { type: 'Bearer', credentials: HOOK } },
      })),
    },
  ],
});

interface Delivery {
  path: string;
  incidentId: number;
  notificationId: number;
  receivedAt: number;
}

function deliveries(): Delivery[] {
  return recorder.requests.map((r) => {
    const { incident } = JSON.parse(r.body) as { incident: { incidentId: number; notificationId: number } };
    return {
      path: r.path,
      incidentId: incident.incidentId,
      notificationId: incident.notificationId,
      receivedAt: r.receivedAt,
    };
  });
}

describe('HA: clustered Alertmanagers, three replicas on PostgreSQL', () => {
  it('makes one incident per occurrence and sends every escalation step once, through a kill -9 of the leader and of an Alertmanager', async () => {
    const env = { HOOK, HOOK_SECRET: 'ha-webhook-secret' };
    const replicas: ReceiverProcess[] = [];
    for (let i = 0; i < 3; i++) {
      replicas.push(await startReceiver(dir(`vigil-ha-r${i}-`), replicaConfig(), env));
      processes.push(replicas[i]!);
    }
    const leaderPid = async () => {
      const [row] = await query<{ holder: string }>(
        "select holder from leader_lease where name = 'leader' and expires_at > (extract(epoch from clock_timestamp()) * 1000)",
      );
      return row && Number(row.holder.split(':')[1]);
    };
    const pid = await waitFor('a leader', leaderPid);
    const leading = replicas.find((r) => r.child.pid === pid);
    expect(leading).toBeDefined();
    // Each replica's /metrics says whether it leads: the lease holder only.
    const leaderGauge = async (r: ReceiverProcess) =>
      /^vigil_leader (\d)$/m.exec(await (await fetch(`${r.url}/metrics`)).text())?.[1];
    expect(await Promise.all(replicas.map(leaderGauge))).toEqual(
      replicas.map((r) => (r === leading ? '1' : '0')),
    );

    const [gossip1, gossip2] = (await freePorts(2)) as [number, number];
    const [r0, r1, r2] = replicas as [ReceiverProcess, ReceiverProcess, ReceiverProcess];
    // Each Alertmanager delivers to two replicas, not the same two; both notify in the same cluster.
    const am1 = await startAlertmanager({
      dir: dir('vigil-ha-am1-'),
      config: alertmanagerConfig([r0, r1]),
      cluster: { port: gossip1, peers: [gossip2] },
    });
    processes.push(am1);
    const am2 = await startAlertmanager({
      dir: dir('vigil-ha-am2-'),
      config: alertmanagerConfig([r1, r2]),
      cluster: { port: gossip2, peers: [gossip1] },
    });
    processes.push(am2);

    // Prometheus sends every alert to every Alertmanager; so does the storm, wave after wave.
    const startsAt = new Date().toISOString();
    const alive = [am1, am2];
    let killedAt = 0;
    for (let wave = 0; wave < WAVES; wave++) {
      const alerts: Parameters<typeof pushAlerts>[1] = [];
      for (let g = wave; g < GROUPS; g += WAVES) {
        for (let i = 0; i < PER_GROUP; i++) {
          alerts.push({
            labels: { alertname: 'HaStorm', group: `g${g}`, instance: `i${i}`, severity: 'critical' },
            annotations: { summary: `storm group ${g}` },
            startsAt,
          });
        }
      }
      await Promise.all(alive.map((am) => pushAlerts(am.url, alerts)));
      if (wave === WAVES / 2 - 1) {
        await new Promise((r) => setTimeout(r, 1500)); // deliveries and escalation steps under way
        leading!.child.kill('SIGKILL');
        am2.child.kill('SIGKILL');
        killedAt = Date.now();
        alive.splice(alive.indexOf(am2), 1);
      } else {
        await new Promise((r) => setTimeout(r, 700));
      }
    }

    // Everything settles: all alerts merged (the dead replica's too), both steps fired and delivered everywhere.
    await waitFor(
      'every incident to escalate twice and every delivery to be merged',
      async () => {
        const [state] = await query<{ alerts: number; pending: number; escalating: number; queued: number }>(
          `select (select count(*) from alerts) as alerts,
                  (select count(*) from inbox where processed_at is null) as pending,
                  (select count(*) from escalations where phase <> 'done') as escalating,
                  (select count(*) from notifications where status = 'pending') as queued`,
        );
        const done =
          Number(state!.alerts) === GROUPS * PER_GROUP &&
          Number(state!.pending) === 0 &&
          Number(state!.escalating) === 0 &&
          Number(state!.queued) === 0;
        return done || undefined;
      },
      { timeoutMs: 45_000 },
    );

    // One incident per group, holding exactly its alerts, each occurrence once.
    const incidents = await query<{ id: number; group_labels: string }>(
      'select id, group_labels from incidents',
    );
    const incidentOf = new Map(
      incidents.map((i) => [(JSON.parse(i.group_labels) as { group: string }).group, i.id]),
    );
    expect(incidents).toHaveLength(GROUPS);
    expect(incidentOf.size).toBe(GROUPS);
    const alerts = await query<{
      incident_id: number;
      labels: string;
      fingerprint: string;
      starts_at: string;
    }>('select incident_id, labels, fingerprint, starts_at from alerts');
    const occurrences = new Set<string>();
    for (const a of alerts) {
      const labels = JSON.parse(a.labels) as { group: string; instance: string };
      occurrences.add(`${labels.group}/${labels.instance}`);
      expect(a.incident_id).toBe(incidentOf.get(labels.group));
    }
    expect(occurrences.size).toBe(GROUPS * PER_GROUP);

    // Every delivery a replica answered 2xx (its inbox row) was merged: each of its alerts is an incident's.
    const stored = await query<{ payload: string; error: string | null; processed_at: string | null }>(
      'select payload, error, processed_at from inbox',
    );
    expect(stored.length).toBeGreaterThanOrEqual(GROUPS);
    const merged = new Set(alerts.map((a) => `${a.fingerprint}/${a.starts_at}`));
    for (const row of stored) {
      expect(row).toMatchObject({ error: null, processed_at: expect.any(String) });
      const parsed = validatePayload(JSON.parse(row.payload));
      if (!parsed.ok) throw new Error('stored payload does not validate');
      for (const alert of parsed.payload.alerts) {
        expect(merged.has(`${alertFingerprint(alert)}/${normaliseTime(alert.startsAt)}`)).toBe(true);
      }
    }

    // The route's channel heard of each incident once, and each step reached its channel once per incident. A second copy is only allowed for a notification the
    // killed leader had on the wire (delivery is at least once), and carries the same notification id. Its
    // lease was renewed at most 0.4 s before the kill, so no other replica could deliver anything within
    // 1.6 s of it: a copy received within 1 s of the kill came from the dead leader.
    const timeline = await query<{ incident_id: number; n: number }>(
      "select incident_id, count(*) as n from timeline where kind = 'escalated' group by incident_id",
    );
    expect(timeline.map((t) => Number(t.n))).toEqual(Array(GROUPS).fill(2));
    const sent = deliveries();
    for (const step of ['/opened', '/step1', '/step2']) {
      for (const id of incidentOf.values()) {
        const copies = sent.filter((d) => d.path === step && d.incidentId === id);
        expect(new Set(copies.map((c) => c.notificationId)).size).toBe(1);
        expect(copies.length).toBeGreaterThanOrEqual(1);
        if (copies.length > 1) {
          expect(copies).toHaveLength(2);
          expect(copies[0]!.receivedAt).toBeLessThan(killedAt + 1000);
        }
      }
    }
    // The survivors took over: a new leader, and the replica that died left nothing unmerged.
    expect(await leaderPid()).not.toBe(pid);
  });
});
