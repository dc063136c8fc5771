import { sleep, startPostgres, startSmtpSink, waitFor, type Postgres, type SmtpSink } from '@vigil/testkit';
import { Pool } from 'pg';
import { notification, tempDir } from './helpers';
import { sinkChannel } from './support/mail';
import { buildReceiver, startReceiver, type ReceiverProcess } from './processes';

/**
 * Escalation in the receiver process, mailing a real SMTP server, across a kill -9: of the only receiver on
 * SQLite, and of the leading one of two replicas on PostgreSQL. Each case pages exactly once per step.
 */
const WAIT = 6; // seconds between steps: wide enough for acknowledging before the next one is due
const TOKEN = 'escalation-responder';

let smtp: SmtpSink;
let pg: Postgres | undefined;
const cleanups: (() => void)[] = [];

beforeAll(async () => {
  buildReceiver();
  smtp = await startSmtpSink();
});
afterAll(async () => {
  await smtp?.close();
  await pg?.stop();
  for (const cleanup of cleanups) cleanup();
});

function dir(prefix: string): string {
  const d = tempDir(prefix);
  cleanups.push(d.cleanup);
  return d.dir;
}

const page = (...users: string[]) => ({ kind: 'notify_users', users });
const wait = { kind: 'wait', duration: `${WAIT}s` };

const config = (storage: Record<string, unknown>) => ({
  storage,
  api: { tokens: [{ name: 'responder', role: 'responder', token: { env: 'TOKEN' } }] },
  notifications: {
    channels: Object.fromEntries(
      ['alice', 'bob'].map((user) => [`${user}-email`, sinkChannel(smtp, `${user}@vigil.test`)]),
    ),
    retry: { max_attempts: 3, initial_delay: '100ms', max_delay: '100ms' },
  },
  users: ['alice', 'bob'].map((name) => ({ name, channels: [`${name}-email`] })),
  escalation_policies: [
    // Two rounds of alice then bob.
    { name: 'rounds', steps: [page('alice'), wait, page('bob'), wait, { kind: 'repeat', times: 1 }] },
    // An acknowledgement lapses after 3 s: the policy starts again.
    { name: 'lapse', steps: [page('alice'), wait, page('bob')], ack_timeout: '3s' },
  ],
  routing: {
    team: 'ops',
    channels: [],
    routes: ['rounds', 'lapse'].map((p) => ({ matchers: [`policy="${p}"`], escalation: p })),
  },
  log_level: 'warn',
});

/** The incidents of one run: each its own service, so that its mails are told apart by their subject. */
const CASES = {
  unacknowledged: 'rounds',
  acknowledged: 'rounds',
  resolved: 'rounds',
  lapsed: 'lapse',
} as const;
type Case = keyof typeof CASES;

/** Who was mailed about each case's incident, in order. */
function pagesBy(run: string): Record<Case, string[]> {
  const pages = Object.fromEntries(Object.keys(CASES).map((c) => [c, [] as string[]])) as Record<
    Case,
    string[]
  >;
  for (const mail of smtp.received) {
    const match = /\b(\w+)-(\w+): /.exec(mail.subject ?? '');
    if (!match || match[1] !== run) continue;
    const to = [mail.to ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? ''));
    pages[match[2] as Case]?.push(...to.map((address) => address.split('@')[0] as string));
  }
  return pages;
}

async function call(url: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<{ items?: { id: number }[] }>;
}

/**
 * Opens the four cases' incidents through `url`, acknowledges and resolves some once their first page is
 * out, lets `disrupt` do its worst while the next steps are due, and checks who was paged once it is over.
 */
async function escalateThrough(run: string, url: () => string, disrupt: () => Promise<void>) {
  const started = Date.now();
  for (const [name, policy] of Object.entries(CASES)) {
    const service = `${run}-${name}`;
    const res = await fetch(`${url()}/api/v1/alertmanager`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(
        notification([{ fingerprint: service, labels: { service, policy } }], { groupKey: service }),
      ),
    });
    expect(res.status).toBe(200);
  }
  await waitFor('the first pages', async () =>
    Object.values(pagesBy(run)).every((p) => p.length === 1) ? true : undefined,
  );
  const id = async (name: Case) =>
    (await call(url(), 'GET', `/api/v1/incidents?service=${run}-${name}`)).items?.[0]?.id as number;
  await call(url(), 'POST', `/api/v1/incidents/${await id('acknowledged')}/acknowledge`, {});
  await call(url(), 'POST', `/api/v1/incidents/${await id('lapsed')}/acknowledge`, {});
  await call(url(), 'POST', `/api/v1/incidents/${await id('resolved')}/resolve`, {});
  expect(Date.now() - started).toBeLessThan(WAIT * 1000); // before any second step was due

  await disrupt();

  // Who, and how often: steps that fell due together (after a restart) may arrive in either order.
  const expected = {
    unacknowledged: ['alice', 'alice', 'bob', 'bob'],
    acknowledged: ['alice'],
    resolved: ['alice'],
    lapsed: ['alice', 'alice', 'bob'],
  };
  await waitFor(
    'every step to be paged',
    async () => {
      const pages = pagesBy(run);
      return pages.unacknowledged.length >= 4 && pages.lapsed.length >= 3 ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  // The last round ends 4 waits after the start; a little after that, nothing more has come.
  await sleep(started + (4 * WAIT + 3) * 1000 - Date.now());
  const pages = pagesBy(run);
  for (const list of Object.values(pages)) list.sort();
  expect(pages).toEqual(expected);
}

describe('escalation in the receiver process', () => {
  it('pages once per step across a kill -9 on SQLite, and not for incidents acknowledged or resolved before it', async () => {
    const home = dir('vigil-esc-kill-');
    const doc = config({ sqlite: { path: `${home}/vigil.db` } });
    const env = { TOKEN };
    let receiver: ReceiverProcess = await startReceiver(home, doc, env);
    try {
      await escalateThrough(
        'sqlite',
        () => receiver.url,
        async () => {
          receiver.child.kill('SIGKILL');
          await receiver.exited;
          // Down while the unacknowledged incident's second step and the acknowledgement's lapse fall due.
          await sleep(WAIT * 1000);
          receiver = await startReceiver(home, doc, env);
        },
      );
    } finally {
      await receiver.stop();
    }
  });

  it('pages once per step with two replicas on PostgreSQL, through a kill -9 of the leader', async () => {
    pg = await startPostgres();
    await pg.createDatabase('vigil_escalation');
    const storage = {
      postgres: {
        host: pg.host,
        port: pg.port,
        database: 'vigil_escalation',
        user: pg.user,
        pool_size: 4,
        leader_lease: '2s',
      },
    };
    const pool = new Pool({ connectionString: pg.urlFor('vigil_escalation'), max: 1 });
    pool.on('error', () => undefined); // an idle connection closed by the server stopping
    const replicas: ReceiverProcess[] = [];
    try {
      for (const name of ['a', 'b'])
        replicas.push(await startReceiver(dir(`vigil-esc-pg-${name}-`), config(storage), { TOKEN }));
      const leaderPid = async () => {
        const { rows } = await pool.query<{ holder: string }>(
          "select holder from leader_lease where name = 'leader' and expires_at > (extract(epoch from clock_timestamp()) * 1000)",
        );
        return rows[0] && Number(rows[0].holder.split(':')[1]);
      };
      const leader = await waitFor('a leader', async () => {
        const pid = await leaderPid();
        return replicas.find((r) => r.child.pid === pid);
      });
      const other = replicas.find((r) => r !== leader) as ReceiverProcess;
      // Deliveries and actions go to the replica that does not lead: the leader pages all the same.
      await escalateThrough(
        'postgres',
        () => other.url,
        async () => {
          leader.child.kill('SIGKILL');
          await leader.exited;
        },
      );
      expect(await leaderPid()).toBe(other.child.pid);
    } finally {
      for (const r of replicas) await r.stop('SIGKILL');
      await pool.end();
    }
  });
});
