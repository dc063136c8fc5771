import { sql } from 'kysely';
import pino from 'pino';
import { Client } from 'pg';
import request from 'supertest';
import { createApp } from '../src/app';
import { parseConfig } from '../src/config';
import { configRefusal } from '@vigil/testkit';
import { openDatabase } from '../src/db/database';
import { LeaderLease } from '../src/leader/lease';
import { notification, tempDir } from './helpers';
import { freshStorage, stopTestPostgres, testPostgres } from './support/backends';
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
  });
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
