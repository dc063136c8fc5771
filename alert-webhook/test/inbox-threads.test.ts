import { statSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { Request, Response } from 'express';
import { sql } from 'kysely';
import request from 'supertest';
import SqliteDatabase from 'better-sqlite3';
import { parseConfig, type Config } from '../src/config';
import { connectSqlite, openDatabase, type Db } from '../src/db/database';
import type { PostgresSettings } from '../src/db/postgres';
import type { Stored } from '../src/inbox/merge-loop';
import { MergeThread } from '../src/inbox/merge-thread';
import { countReceiving, yieldToDeliveries, YIELD_MS } from '../src/inbox/receiving';
import { postgresWriter, sqliteFileWriter, toDelivery } from '../src/inbox/store';
import type { WebhookPayload } from '../src/webhook/payload';
import { groupLockKey } from '../src/db/merge-locks';
import { notification, startTestApp, tempDir } from './helpers';
import { freshStorage, stopTestPostgres } from './support/backends';
import { waitFor } from '@vigil/testkit';

/** How the main thread stores and the merge thread merges, on one SQLite file. */
describe('inbox on a SQLite file', () => {
  let cleanup: () => void;
  let db: Db;
  let sqlite: NonNullable<Config['storage']['sqlite']>;
  let config: Config;
  let other: SqliteDatabase.Database;

  beforeEach(async () => {
    let dir: string;
    ({ dir, cleanup } = tempDir());
    config = parseConfig({ storage: { sqlite: { path: join(dir, 'vigil.db'), busy_timeout: '3s' } } });
    sqlite = config.storage.sqlite as NonNullable<Config['storage']['sqlite']>;
    db = await openDatabase(config.storage);
    other = new SqliteDatabase(sqlite.path);
  });

  afterEach(async () => {
    other.close();
    await db.destroy();
    cleanup();
  });

  const delivery = (groupKey: string) => {
    const payload = notification([{ fingerprint: groupKey }], { groupKey });
    return toDelivery(Buffer.from(JSON.stringify(payload)), payload);
  };
  const processed = () =>
    (other.prepare('select count(*) as n from inbox where processed_at is not null').get() as { n: number })
      .n;

  it('waits for a write lock held elsewhere without blocking the event loop, and says it is waiting', async () => {
    const waiting = new Int32Array(new SharedArrayBuffer(4));
    const writer = sqliteFileWriter(sqlite, waiting);
    try {
      other.exec('begin immediate');
      const stored = writer.write([delivery('a'), delivery('b')], new Date().toISOString());
      // Timers still fire while the store waits: the event loop was never put to sleep.
      let ticks = 0;
      for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 20, ticks++));
      expect(ticks).toBe(5);
      expect(Atomics.load(waiting, 0)).toBe(1);
      other.exec('commit');
      const ids = await stored;
      expect(ids).toHaveLength(2);
      expect(ids[1]).toBe((ids[0] as number) + 1);
      expect(Atomics.load(waiting, 0)).toBe(0);
    } finally {
      writer.close();
    }
  });

  /** A connection to a file of its own, with no checkpoint worker: only its commits could checkpoint. */
  type Open = (settings: typeof sqlite) => {
    write: (d: ReturnType<typeof delivery>) => Promise<unknown>;
    close(): unknown;
  };
  async function onItsOwnFile<T>(
    open: Open,
    body: (write: (chars: number) => Promise<unknown>, path: string) => Promise<T>,
  ) {
    const alone = tempDir();
    const settings = { ...sqlite, path: join(alone.dir, 'alone.db') };
    await (await openDatabase({ sqlite: settings })).destroy();
    const connection = open(settings);
    try {
      return await body((chars) => {
        const payload = notification([{ annotations: { description: 'x'.repeat(chars) } }]);
        return connection.write(toDelivery(Buffer.from(JSON.stringify(payload)), payload));
      }, settings.path);
    } finally {
      await connection.close();
      alone.cleanup();
    }
  }
  /** The inbox writer's connection. */
  const openWriter: Open = (settings) => {
    const writer = sqliteFileWriter(settings, new Int32Array(new SharedArrayBuffer(4)));
    return { write: (d) => writer.write([d], new Date().toISOString()), close: writer.close };
  };
  /** The merge thread's and pruning's connections. */
  const openOther: Open = (settings) => {
    const other = connectSqlite(settings);
    const at = new Date().toISOString();
    const write = (d: ReturnType<typeof delivery>) =>
      other
        .insertInto('inbox')
        .values({
          received_at: at,
          receiver: 'vigil',
          group_key: 'g',
          alert_count: 1,
          payload: d.body.toString(),
        })
        .execute();
    return { write, close: () => other.destroy() };
  };

  /**
   * Whether a commit of about 1,500 pages of log (past the 1,000 at which SQLite's commits checkpoint by
   * default) copied the log into the database file.
   */
  const commitCheckpoints = (open: Open) =>
    onItsOwnFile(open, async (write, path) => {
      const fileSize = statSync(path).size;
      await write(6_000_000);
      expect(statSync(`${path}-wal`).size).toBeGreaterThan(6_000_000);
      return statSync(path).size !== fileSize;
    });

  it("leaves checkpoints to the worker in its commits, which run on the event loop, as the file's other connections do", async () => {
    const stores = await commitCheckpoints(openWriter);
    const others = await commitCheckpoints(openOther);
    expect({ stores, others }).toEqual({ stores: false, others: false });
  });

  /**
   * The log file's size after 72 MB of commits, a checkpoint of all of it (as the worker makes), and one
   * more commit, which starts the log afresh.
   */
  const logAfterRestart = (open: Open) =>
    onItsOwnFile(open, async (write, path) => {
      for (let i = 0; i < 12; i++) await write(6_000_000);
      const checkpointer = new SqliteDatabase(path);
      const [checkpoint] = checkpointer.pragma('wal_checkpoint(PASSIVE)') as {
        log: number;
        checkpointed: number;
      }[];
      expect(checkpoint?.checkpointed).toBe(checkpoint?.log);
      checkpointer.close();
      await write(10);
      return statSync(`${path}-wal`).size;
    });

  it("cuts the log's file back to 64 MiB when its commits start the log afresh, as the main connection does", async () => {
    const limit = 64 * 1024 * 1024;
    const kept = { stores: await logAfterRestart(openWriter), others: await logAfterRestart(openOther) };
    expect({ stores: kept.stores <= limit, others: kept.others <= limit }).toEqual({
      stores: true,
      others: true,
    });
  });

  it('gives up with SQLITE_BUSY after busy_timeout, and stores nothing', async () => {
    const writer = sqliteFileWriter(
      { ...sqlite, busy_timeout: 200 },
      new Int32Array(new SharedArrayBuffer(4)),
    );
    try {
      other.exec('begin immediate');
      await expect(writer.write([delivery('a')], new Date().toISOString())).rejects.toMatchObject({
        code: 'SQLITE_BUSY',
      });
      other.exec('commit');
      expect((other.prepare('select count(*) as n from inbox').get() as { n: number }).n).toBe(0);
    } finally {
      writer.close();
    }
  });

  /** A merge thread on the file, and a writer that it yields to; no thread may crash, no merge fail. */
  async function withThread(
    body: (t: {
      thread: MergeThread;
      writer: ReturnType<typeof sqliteFileWriter>;
      done: number[];
    }) => Promise<void>,
  ) {
    const done: number[] = [];
    const crashes: Error[] = [];
    const merge = { reopenWindowMs: 0, routing: config.routing, policies: new Map() };
    const thread = new MergeThread(
      { sqlite },
      merge,
      {
        done: (ids) => done.push(...ids),
        failed: (_id, err) => crashes.push(err as Error),
        problem: () => {},
      },
      (err) => crashes.push(err),
    );
    const writer = sqliteFileWriter(sqlite, thread.writersWaiting);
    try {
      await body({ thread, writer, done });
    } finally {
      await thread.stop();
      writer.close();
    }
    expect(crashes).toEqual([]);
  }

  it('merges on its own thread, and begins no merge while a store is waiting', async () => {
    await withThread(async ({ thread, writer, done }) => {
      const ids = await writer.write([delivery('a'), delivery('b')], new Date().toISOString());
      const [first, second] = ids as [number, number];
      thread.enqueue([{ id: first, raw: delivery('a').body }]);
      await until(() => done.length === 1); // the thread is up and merging
      Atomics.store(thread.writersWaiting, 0, 1); // as a store does while it waits for the lock
      thread.enqueue([{ id: second, raw: delivery('b').body }]);
      await new Promise((r) => setTimeout(r, 300));
      expect(processed()).toBe(1);
      Atomics.store(thread.writersWaiting, 0, 0);
      Atomics.notify(thread.writersWaiting, 0);
      await until(() => done.length === 2);
      expect(done).toEqual([first, second]);
      expect(processed()).toBe(2);
      const incidents = other.prepare('select group_key from incidents order by id').all();
      expect(incidents).toEqual([{ group_key: 'a' }, { group_key: 'b' }]);
    });
  });

  it('lets webhook requests go first: a fresh delivery waits while one is answered, at most YIELD_MS after it was stored', async () => {
    await withThread(({ thread, writer, done }) =>
      expectDeliveriesFirst(thread, done, async (groupKeys) => {
        const deliveries = groupKeys.map(delivery);
        const ids = await writer.write(deliveries, new Date().toISOString());
        return ids.map((id, i) => {
          const { body, payload } = deliveries[i] as ReturnType<typeof delivery>;
          return { id, raw: body, payload };
        });
      }),
    );
  });

  it('counts a webhook request as being answered until its response is done', async () => {
    const receiving = new Int32Array(new SharedArrayBuffer(4));
    const during: number[] = [];
    const server = createServer((req, res) => {
      countReceiving(receiving, req as Request, res as unknown as Response);
      during.push(Atomics.load(receiving, 0));
      // The first request of a pipelined pair is answered late, after its client has hung up.
      setTimeout(() => res.end('ok'), req.url === '/slow' ? 300 : 50);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const answers = await Promise.all([1, 2].map(() => fetch(`http://127.0.0.1:${port}/`)));
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(during).toEqual([1, 2]);
      await until(() => Atomics.load(receiving, 0) === 0);
      // The second response waits behind the first, and never closes once the socket is gone.
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => {});
      socket.write(`GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n`);
      await until(() => during.length === 4);
      expect(Atomics.load(receiving, 0)).toBe(2);
      // A merge waiting on them goes on once both are done, not YIELD_MS after its delivery was stored.
      const fresh = { id: 1, raw: '', storedAt: Date.now() };
      const woken = yieldToDeliveries(receiving, [fresh]).then(() => Date.now());
      socket.destroy();
      await new Promise((r) => setTimeout(r, 500));
      expect(Atomics.load(receiving, 0)).toBe(0);
      expect(await woken).toBeLessThan(fresh.storedAt + YIELD_MS / 2);
    } finally {
      server.close();
    }
  });
});

/**
 * Merging waits for `receiving` to drop to zero before a delivery stored now; one stored YIELD_MS ago, or
 * read back from the inbox (no storedAt), merges at once.
 */
async function expectDeliveriesFirst(
  thread: MergeThread,
  done: number[],
  store: (groupKeys: string[]) => Promise<Stored[]>,
) {
  const [behind, recovered, late, fresh] = (await store([
    'behind',
    'recovered',
    'late',
    'fresh',
  ])) as Stored[];
  Atomics.store(thread.receiving, 0, 1); // a webhook request is being answered
  thread.enqueue([{ ...(behind as Stored), storedAt: Date.now() - YIELD_MS }]);
  await until(() => done.length === 1);
  thread.enqueue([{ id: recovered!.id, raw: recovered!.raw }]);
  // Well before YIELD_MS: it did not wait (the thread is up by now).
  await until(() => done.length === 2, YIELD_MS / 2);
  // Requests keep coming: a delivery stored 4.2 s ago waits out the 0.8 s left of YIELD_MS, no more.
  thread.enqueue([{ ...(late as Stored), storedAt: Date.now() - YIELD_MS + 800 }]);
  await new Promise((r) => setTimeout(r, 300));
  expect(done).toHaveLength(2);
  await until(() => done.length === 3, 3000);
  thread.enqueue([{ ...(fresh as Stored), storedAt: Date.now() }]);
  await new Promise((r) => setTimeout(r, 400));
  expect(done).toHaveLength(3);
  Atomics.store(thread.receiving, 0, 0);
  await until(() => done.length === 4);
  expect(done[3]).toBe(fresh?.id);
}

async function until(condition: () => boolean, withinMs = 10_000) {
  const deadline = Date.now() + withinMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(condition()).toBe(true);
}

/** On PostgreSQL the merge thread merges in lanes on its own pool, while the main thread is busy. */
describe('inbox on PostgreSQL', () => {
  afterAll(stopTestPostgres);

  /** A fresh database and a merge thread (or `threads`) of `lanes` on it; no thread may crash. */
  async function withThread(
    { lanes, threads }: { lanes: number; threads?: number },
    body: (t: {
      db: Db;
      thread: MergeThread;
      done: number[];
      store: (
        groupKeys: string[],
        status?: 'firing' | 'resolved',
      ) => Promise<(Stored & { payload: WebhookPayload })[]>;
    }) => Promise<void>,
  ) {
    const { dir, cleanup } = tempDir();
    const config = parseConfig({ storage: await freshStorage('postgres', dir) });
    const postgres = config.storage.postgres as PostgresSettings;
    const db = await openDatabase(config.storage);
    const merge = { reopenWindowMs: 0, routing: config.routing, policies: new Map() };
    const done: number[] = [];
    const crashes: Error[] = [];
    const thread = new MergeThread(
      { postgres, lanes },
      merge,
      { done: (ids) => done.push(...ids), failed: () => {}, problem: () => {} },
      (err) => crashes.push(err),
      threads,
    );
    // One delivery per group, stored in the inbox, with the payload as the main thread read it.
    const store = async (groupKeys: string[], status: 'firing' | 'resolved' = 'firing') => {
      const deliveries = groupKeys.map((groupKey) => {
        const payload = notification([{ fingerprint: groupKey, status }], { groupKey });
        return toDelivery(Buffer.from(JSON.stringify(payload)), payload);
      });
      const ids = await postgresWriter(db)(deliveries, new Date().toISOString());
      return ids.map((id, i) => {
        const { body, payload } = deliveries[i] as (typeof deliveries)[number];
        return { id, raw: body, payload: payload as WebhookPayload };
      });
    };
    try {
      await body({ db, thread, done, store });
    } finally {
      await thread.stop();
      await db.destroy();
      cleanup();
    }
    expect(crashes).toEqual([]);
  }

  it('merges on its own thread while the main thread is blocked', async () => {
    await withThread({ lanes: 2 }, async ({ db, thread, store }) => {
      const stored = await store(['a', 'b', 'c', 'd']);
      thread.enqueue(stored.map(({ id, raw }) => ({ id, raw })));
      // Nothing runs on this thread for 2 s: what is merged meanwhile was merged by the other.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
      const blockedUntil = new Date().toISOString();
      const merged = await db.selectFrom('incidents').select('group_key').orderBy('group_key').execute();
      expect(merged.map((r) => r.group_key)).toEqual(['a', 'b', 'c', 'd']);
      const processed = await db
        .selectFrom('inbox')
        .select('id')
        .where('processed_at', '<', blockedUntil)
        .execute();
      expect(processed).toHaveLength(4);
    });
  });

  it("shares the lanes among threads, each group on one: every delivery merged once, in its group's order", async () => {
    await withThread({ lanes: 4, threads: 2 }, async ({ db, thread, done, store }) => {
      const groups = Array.from({ length: 20 }, (_, i) => `g${i}`);
      // Each group fires, then resolves: merged the other way round, its incident would never have opened.
      const fired = await store(groups);
      const resolved = await store(groups, 'resolved');
      // The first with the payload the main thread read, the second as read back from the inbox (raw only).
      thread.enqueue(fired);
      thread.enqueue(resolved.map(({ id, raw }) => ({ id, raw })));
      await until(() => done.length === 40);
      expect([...done].sort((a, b) => a - b)).toEqual([...fired, ...resolved].map((d) => d.id));
      const incidents = await db.selectFrom('incidents').select(['group_key', 'status']).execute();
      expect(incidents).toHaveLength(20);
      expect(new Set(incidents.map((i) => i.status))).toEqual(new Set(['resolved']));
      const changes = await db.selectFrom('incident_changes').select('change').orderBy('id').execute();
      expect(changes.filter((c) => c.change === 'opened')).toHaveLength(20);
      expect(changes.filter((c) => c.change === 'resolved')).toHaveLength(20);
    });
  });

  it('lets webhook requests go first on every thread, with lanes chosen by the group the main thread read', async () => {
    await withThread({ lanes: 4, threads: 2 }, async ({ db, thread, done, store }) => {
      await expectDeliveriesFirst(thread, done, store);
      const merged = await db.selectFrom('incidents').select('group_key').orderBy('group_key').execute();
      expect(merged.map((r) => r.group_key)).toEqual(['behind', 'fresh', 'late', 'recovered']);
    });
  });

  it('carries on merging in process when a merge thread dies: nothing lost, nothing merged twice', async () => {
    const t = await startTestApp({}, {}, undefined, 'postgres');
    const groups = Array.from({ length: 6 }, (_, i) => `g${i}`);
    const post = (status: 'firing' | 'resolved') =>
      Promise.all(
        groups.map((groupKey) =>
          request(t.app)
            .post('/api/v1/alertmanager')
            .send(notification([{ fingerprint: groupKey, status }], { groupKey }))
            .expect(200),
        ),
      );
    const merged = async () => (await t.db.selectFrom('incidents').select('group_key').execute()).length;
    try {
      await t.db.connection().execute(async (holder) => {
        // g0's merge waits for its group's lock, inside its transaction, holding up its thread's lane.
        const key = BigInt.asIntN(64, groupLockKey('vigil', 'g0'));
        await sql`select pg_advisory_lock(${key})`.execute(holder);
        await post('firing');
        await waitFor(
          'a group of the other thread to merge',
          async () => ((await merged()) > 0 ? true : undefined),
          {
            timeoutMs: 10_000,
            everyMs: 20,
          },
        );
        // The other thread merged its groups meanwhile; g0's thread is stuck.
        expect(await merged()).toBeGreaterThan(0);
        expect(await merged()).toBeLessThan(groups.length);
        const { workers } = (t.inbox as unknown as { merger: { workers: { worker: Worker }[] } }).merger;
        expect(workers).toHaveLength(2);
        // g0's thread, chosen as MergeThread chooses it: the upper half of the group's unsigned key.
        const stuck = Number((BigInt.asUintN(64, key) >> 32n) % 2n);
        await workers[stuck]?.worker.terminate();
        await sql`select pg_advisory_unlock(${key})`.execute(holder);
      });
      await t.inbox.drained();
      await post('resolved');
      await t.inbox.drained();
      const incidents = await t.db.selectFrom('incidents').select(['group_key', 'status']).execute();
      expect(incidents.map((i) => `${i.group_key}:${i.status}`).sort()).toEqual(
        groups.map((g) => `${g}:resolved`),
      );
      const alerts = await t.db.selectFrom('alerts').select('fingerprint').execute();
      expect(alerts.map((a) => a.fingerprint).sort()).toEqual(groups);
      const changes = await t.db.selectFrom('incident_changes').select('change').execute();
      expect(changes.map((c) => c.change).sort()).toEqual([
        ...groups.map(() => 'opened'),
        ...groups.map(() => 'resolved'),
      ]);
      const inbox = await t.db.selectFrom('inbox').select(['processed_at', 'error']).execute();
      expect(inbox).toHaveLength(2 * groups.length);
      expect(inbox.every((r) => r.processed_at !== null && r.error === null)).toBe(true);
    } finally {
      await t.close();
    }
  });
});
