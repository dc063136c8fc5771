import { startPostgres, startSmtpSink, waitFor, type Postgres, type SmtpSink } from '@vigil/testkit';
import { Pool } from 'pg';
import { notification, tempDir } from './helpers';
import { sinkChannel } from './support/mail';
import { buildReceiver, startReceiver, type ReceiverProcess } from './processes';

/**
 * Heartbeats with two receiver replicas on PostgreSQL: both record beats, only the leader checks, so a
 * quiet source pages once, and after a kill -9 of the leader the other replica resolves it, once.
 */
let pg: Postgres;
let pool: Pool;
let smtp: SmtpSink;
const replicas: ReceiverProcess[] = [];
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  buildReceiver();
  smtp = await startSmtpSink();
  pg = await startPostgres();
  await pg.createDatabase('vigil_heartbeats');
  pool = new Pool({ connectionString: pg.urlFor('vigil_heartbeats'), max: 1 });
  pool.on('error', () => undefined); // an idle connection closed by the server stopping
});
afterAll(async () => {
  for (const r of replicas) await r.stop('SIGKILL');
  await pool?.end();
  await pg?.stop();
  await smtp?.close();
  for (const cleanup of cleanups) cleanup();
});

const config = () => ({
  storage: {
    postgres: {
      host: pg.host,
      port: pg.port,
      database: 'vigil_heartbeats',
      user: pg.user,
      pool_size: 4,
      leader_lease: '2s',
    },
  },
  notifications: {
    channels: {
      oncall: sinkChannel(smtp, 'oncall@vigil.test'),
    },
  },
  heartbeats: [{ name: 'watchdog', source_labels: ['replica'], timeout: '4s' }],
  routing: {
    team: 'ops',
    channels: [],
    routes: [{ matchers: ['alertname="HeartbeatMissing"'], channels: ['oncall'] }],
  },
  log_level: 'warn',
});

/** Sends each source's Watchdog every second, as Alertmanager would, to replicas in turn. */
function beat(sources: Set<string>) {
  let turn = 0;
  const timer = setInterval(() => {
    for (const replica of sources) {
      const alive = replicas.filter((r) => r.exitStatus === undefined);
      const target = alive[turn++ % alive.length];
      if (!target) continue;
      const payload = notification([{ name: 'Watchdog', fingerprint: replica, labels: { replica } }], {
        groupKey: `watchdog-${replica}`,
      });
      void fetch(`${target.url}/api/v1/alertmanager`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(payload),
      }).catch(() => undefined); // a replica just killed
    }
  }, 1000);
  return () => clearInterval(timer);
}

const subjects = () => smtp.received.map((m) => m.subject ?? '');

describe('heartbeats with two replicas on PostgreSQL', () => {
  it('pages once for a quiet source, and resolves once after the leader is killed', async () => {
    for (const name of ['a', 'b']) {
      const { dir, cleanup } = tempDir(`vigil-hb-${name}-`);
      cleanups.push(cleanup);
      replicas.push(await startReceiver(dir, config()));
    }
    const sources = new Set(['a', 'b']);
    const stop = beat(sources);
    try {
      await waitFor('both sources recorded', async () => {
        const { rows } = await pool.query('select 1 from heartbeat_sources');
        return rows.length === 2 || undefined;
      });
      sources.delete('a');
      await waitFor('the page', async () => subjects().find((s) => s.includes('No watchdog heartbeat')), {
        timeoutMs: 30_000,
      });
      expect(subjects()).toEqual([expect.stringMatching(/No watchdog heartbeat from replica="a"/)]);
      // Killed once the page is recorded sent: a kill between the mail server's acceptance and that record
      // is delivery at least once (the new leader sends it again), not what this test is about.
      await waitFor('the page recorded sent', async () => {
        const sent = await pool.query(
          "select 1 from notifications where event = 'triggered' and status = 'sent'",
        );
        return sent.rows.length === 1 || undefined;
      });

      const { rows } = await pool.query<{ holder: string }>(
        "select holder from leader_lease where name = 'leader'",
      );
      const leader = replicas.find((r) => r.child.pid === Number(rows[0]!.holder.split(':')[1]));
      leader!.child.kill('SIGKILL');
      await leader!.exited;
      sources.add('a');
      await waitFor('the resolve', async () => subjects().find((s) => s.startsWith('[RESOLVED]')), {
        timeoutMs: 30_000,
      });
      // Some beats more: nothing else is sent, and there was one incident.
      await new Promise((r) => setTimeout(r, 3000));
      expect(subjects()).toHaveLength(2);
      const incidents = await pool.query<{ status: string }>('select status from incidents');
      expect(incidents.rows).toEqual([{ status: 'resolved' }]);
    } finally {
      stop();
    }
  });
});
