import { sql } from 'kysely';
import pino from 'pino';
import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../src/app';
import { parseConfig } from '../src/config';
import { configRefusal } from '@vigil/testkit';
import { isTransientDbError, openDatabase, type Db } from '../src/db/database';
import { STATEMENT_GRACE_MS } from '../src/db/postgres';
import { LeaderLease } from '../src/leader/lease';
import { notification, tempDir } from './helpers';
import { freshStorage, stopTestPostgres, testPostgres } from './support/backends';
import { blackholeProxy } from './support/blackhole';
import { startReceiver as startRecorder, type Receiver } from './fixtures/notify/receiver';

const log = pino({ level: 'silent' });
let recorder: Receiver;
beforeAll(async () => (recorder = await startRecorder(() => ({ status: 200 }))));
afterAll(async () => {
  await recorder.close();
  await stopTestPostgres();
});

const refused = (doc: unknown, env: NodeJS.ProcessEnv = {}) => configRefusal(() => parseConfig(doc, env));

describe('storage.postgres configuration', () => {
  it('is off by default; takes a URL or its parts, the password (or a URL with one) from env or file', () => {
    expect(parseConfig({}).storage).toEqual({ sqlite: expect.objectContaining({ path: 'data/vigil.db' }) });
    const byUrl = parseConfig(
      { storage: { postgres: { url: { env: 'PG_URL' } } } },
      { PG_URL: 'postgres://vigil:pw@db:5432/vigil' },
    ).storage;
    expect(byUrl).toEqual({
      postgres: expect.objectContaining({ url: 'postgres://vigil:pw@db:5432/vigil', pool_size: 10 }),
    });
    expect(byUrl.postgres?.leader_lease).toBe(10_000);
    const byParts = parseConfig(
      {
        storage: {
          postgres: {
            host: 'db',
            database: 'vigil',
            user: 'vigil',
            password: { env: 'PW' },
            leader_lease: '5s',
          },
        },
      },
      { PW: 'secret' },
    ).storage.postgres;
    expect(byParts).toMatchObject({ host: 'db', password: 'secret', leader_lease: 5000 });
  });

  it('refuses both backends, a URL with parts, an inline secret, a missing variable and unknown keys by path', () => {
    expect(refused({ storage: { sqlite: {}, postgres: { host: 'db' } } })).toContain(
      'storage: set exactly one of sqlite or postgres',
    );
    expect(refused({ storage: { postgres: { url: { env: 'U' }, host: 'db' } } })).toContain(
      'storage.postgres: set either url or host/port/database/user/password, not both',
    );
    expect(refused({ storage: { postgres: { password: 'inline' } } })).toContain('storage.postgres.password');
    expect(refused({ storage: { postgres: { url: { env: 'NOPE' } } } })).toContain(
      'storage.postgres.url: environment variable NOPE is not set',
    );
    expect(refused({ storage: { postgres: { hots: 'db' } } })).toContain(
      'storage.postgres.hots: unknown field',
    );
    expect(refused({ storage: { postgres: { leader_lease: '100ms' } } })).toContain(
      'storage.postgres.leader_lease: must be at least 1s',
    );
    expect(refused({ storage: { postgres: { statement_timeout: '500ms' } } })).toContain(
      'storage.postgres.statement_timeout: must be 0s (no limit) or from 1s to 24h',
    );
    expect(parseConfig({ storage: { postgres: { host: 'db' } } }).storage.postgres?.statement_timeout).toBe(
      60_000,
    );
  });
});

describe('storage.postgres.statement_timeout', () => {
  /** Runs `body` on a database through a proxy that can cut it off without a reset, one pooled connection. */
  async function throughProxy(
    statementTimeout: string,
    body: (db: Db, proxy: Awaited<ReturnType<typeof blackholeProxy>>) => Promise<void>,
  ) {
    const { dir, cleanup } = tempDir();
    const storage = (await freshStorage('postgres', dir)) as {
      postgres: Record<string, unknown> & { port: number };
    };
    const proxy = await blackholeProxy(storage.postgres.port);
    const postgres = {
      ...storage.postgres,
      port: proxy.port,
      pool_size: 1,
      statement_timeout: statementTimeout,
    };
    const db = await openDatabase(parseConfig({ storage: { postgres } }).storage);
    try {
      await body(db, proxy);
    } finally {
      await proxy.close();
      await db.destroy().catch(() => undefined);
      cleanup();
    }
  }
  const backendPid = async (db: Db) =>
    (await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db)).rows[0]?.pid;

  it(
    'abandons a statement with no answer past it (a server gone without a reset), and carries on through a new connection',
    () =>
      throughProxy('1s', async (db, proxy) => {
        await sql`select 1`.execute(db);
        proxy.blackhole(); // the pooled connection goes silent; new ones pass
        const asked = performance.now();
        const err = await sql`select 2`.execute(db).then(
          () => undefined,
          (e: unknown) => e,
        );
        const took = performance.now() - asked;
        expect(err).toBeInstanceOf(Error);
        expect((err as Error).message).toBe(
          `PostgreSQL gave no answer to a statement within ${1000 + STATEMENT_GRACE_MS} ms`,
        );
        // A connection failure, retried by whoever ran it (a delivery answered 503, a merge tried again).
        expect(isTransientDbError(err)).toBe(true);
        expect(took).toBeGreaterThanOrEqual(1000 + STATEMENT_GRACE_MS - 100);
        expect(took).toBeLessThan(1000 + STATEMENT_GRACE_MS + 2000);
        const { rows } = await sql<{ n: number }>`select 3 as n`.execute(db);
        expect(rows).toEqual([{ n: 3 }]);
      }),
    20_000,
  );

  it(
    "leaves a slow statement on a live server to PostgreSQL's own cancel, and an idle connection alone",
    () =>
      throughProxy('1s', async (db) => {
        await sql`select 1`.execute(db);
        // Idle past the deadline: nothing is in flight, the connection is kept.
        await new Promise((resolve) => setTimeout(resolve, 1000 + STATEMENT_GRACE_MS + 500));
        const pid = await backendPid(db);
        const started = performance.now();
        await expect(sql`select pg_sleep(3)`.execute(db)).rejects.toMatchObject({ code: '57014' });
        expect(performance.now() - started).toBeLessThan(2500);
        expect(await backendPid(db)).toBe(pid);
      }),
    30_000,
  );

  it('is off with 0s', () =>
    throughProxy('0s', async (db) => {
      await expect(sql`select pg_sleep(1.5)`.execute(db)).resolves.toBeDefined();
    }));
});

/** An app on a fresh PostgreSQL database, with a webhook channel on every incident and its own lease. */
async function startPgApp(storage: Record<string, unknown>) {
  const config = parseConfig(
    {
      storage,
      notifications: {
        channels: { ops: { kind: 'webhook', url: `${recorder.url}/ops`, secret: { env: 'S' } } },
        retry: { max_attempts: 1 },
      },
      routing: { team: 'ops', channels: ['ops'] },
    },
    { S: 'hook-secret' },
  );
  const db = await openDatabase(config.storage);
  const lease = new LeaderLease(db, { ttlMs: 1000, log });
  const app = createApp(config, db, log, { lease });
  return {
    ...app,
    db,
    lease,
    close: async () => {
      await app.inbox.drained();
      await app.inbox.stop();
      await app.dispatcher.idle();
      app.dispatcher.stop();
      await lease.release();
      await db.destroy();
    },
  };
}

describe('the receiver on PostgreSQL', () => {
  it("connects over the server's Unix socket when host is its directory, as libpq does", async () => {
    const { dir, cleanup } = tempDir();
    const { postgres } = (await freshStorage('postgres', dir)) as { postgres: Record<string, unknown> };
    const host = (await testPostgres()).socketDir;
    const db = await openDatabase(parseConfig({ storage: { postgres: { ...postgres, host } } }).storage);
    try {
      const { rows } = await sql<{ address: string | null }>`select inet_client_addr() as address`.execute(
        db,
      );
      // Over TCP this is 127.0.0.1; a Unix socket has no client address.
      expect(rows).toEqual([{ address: null }]);
    } finally {
      await db.destroy();
      cleanup();
    }
  });

  it('answers 503 with Retry-After while the inbox is locked past lock_timeout, and accepts again afterwards', async () => {
    const { dir, cleanup } = tempDir();
    const storage = await freshStorage('postgres', dir);
    const pg = storage.postgres as { host: string; port: number; database: string };
    const t = await startPgApp({ postgres: { ...pg, user: 'postgres', lock_timeout: '100ms' } });
    const other = new Client({ host: pg.host, port: pg.port, database: pg.database, user: 'postgres' });
    await other.connect();
    try {
      await request(t.app)
        .post('/api/v1/alertmanager')
        .send(notification([{ fingerprint: 'kept' }]))
        .expect(200);
      await other.query('begin');
      await other.query('lock table inbox in exclusive mode');
      const res = await request(t.app)
        .post('/api/v1/alertmanager')
        .send(notification([{ fingerprint: 'busy' }]))
        .expect(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body.error.code).toBe('unavailable');
      await other.query('rollback');
      await request(t.app)
        .post('/api/v1/alertmanager')
        .send(notification([{ fingerprint: 'later' }]))
        .expect(200);
      await t.inbox.drained();
      const fingerprints = await t.db
        .selectFrom('alerts')
        .select('fingerprint')
        .orderBy('fingerprint')
        .execute();
      expect(fingerprints.map((a) => a.fingerprint)).toEqual(['kept', 'later']);
      const metrics = await request(t.app).get('/metrics');
      expect(metrics.text).toContain('vigil_webhook_requests_total{outcome="unavailable"} 1');
    } finally {
      await other.end();
      await t.close();
      cleanup();
    }
  });

  it('delivers notifications only from the lease holder: a follower queues, the leader sends', async () => {
    const { dir, cleanup } = tempDir();
    const storage = await freshStorage('postgres', dir);
    const leader = await startPgApp(storage);
    const follower = await startPgApp(storage);
    try {
      await leader.lease.start();
      await follower.lease.start();
      expect([leader.lease.isLeader(), follower.lease.isLeader()]).toEqual([true, false]);
      const seen = recorder.requests.length;
      // The follower takes the delivery and opens the incident, but does not send.
      await request(follower.app)
        .post('/api/v1/alertmanager')
        .send(notification([{ fingerprint: 'ha-1' }], { groupKey: 'ha-1' }))
        .expect(200);
      await follower.inbox.drained();
      follower.dispatcher.kick();
      await follower.dispatcher.idle();
      expect(recorder.requests.length).toBe(seen);
      const [queued] = await follower.db.selectFrom('notifications').select(['id', 'status']).execute();
      expect(queued).toMatchObject({ status: 'pending' });

      leader.dispatcher.kick();
      await leader.dispatcher.idle();
      const sent = recorder.requests.slice(seen).map((r) => JSON.parse(r.body).incident);
      expect(sent).toEqual([expect.objectContaining({ status: 'triggered', notificationId: queued!.id })]);
      expect(
        (await leader.db.selectFrom('notifications').select('status').executeTakeFirstOrThrow()).status,
      ).toBe('sent');
    } finally {
      await follower.close();
      await leader.close();
      cleanup();
    }
  });
});
