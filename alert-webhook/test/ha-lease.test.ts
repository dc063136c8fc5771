import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { sleep, waitFor } from '@vigil/testkit';
import yaml from 'js-yaml';
import pino from 'pino';
import { parseConfig } from '../src/config';
import { openDatabase, type Db } from '../src/db/database';
import { LeaderLease } from '../src/leader/lease';
import { tempDir } from './helpers';
import { freshStorage, stopTestPostgres } from './support/backends';
import { blackholeProxy } from './support/blackhole';
import { buildReceiver, receiverMain } from './processes';

const TTL = 1000;
const log = pino({ level: 'silent' });

afterAll(stopTestPostgres);

/** Two replicas' connections to one fresh PostgreSQL database. */
async function twoReplicas(): Promise<[Db, Db]> {
  const { dir, cleanup } = tempDir();
  try {
    const { storage } = parseConfig({ storage: await freshStorage('postgres', dir) });
    return [await openDatabase(storage), await openDatabase(storage)];
  } finally {
    cleanup();
  }
}

/** Samples both leases until `until` holds, failing if both ever claim to lead at once. */
async function watch(a: LeaderLease, b: LeaderLease, until: () => boolean) {
  await waitFor(
    'the lease to change hands',
    async () => {
      if (a.isLeader() && b.isLeader()) throw new Error('two leaders at once');
      return until() || undefined;
    },
    { timeoutMs: 10 * TTL },
  );
}

describe('leader lease on PostgreSQL', () => {
  it('has one holder; the other takes over within ttl + ttl/5 once the holder stops renewing', async () => {
    const [dbA, dbB] = await twoReplicas();
    const a = new LeaderLease(dbA, { ttlMs: TTL, log });
    const b = new LeaderLease(dbB, { ttlMs: TTL, log });
    const changes: string[] = [];
    a.onChange((leader) => changes.push(`a:${leader}`));
    b.onChange((leader) => changes.push(`b:${leader}`));
    try {
      await a.start();
      await b.start();
      expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
      expect(await dbA.transaction().execute((tx) => a.holds(tx))).toBe(true);
      expect(await dbB.transaction().execute((tx) => b.holds(tx))).toBe(false);
      expect(await b.whileLeader(() => changes.push('b ran'))).toBe(false);

      // A's connections go away (its host is cut off): it can no longer renew.
      const cutOff = performance.now();
      await dbA.destroy();
      await watch(a, b, () => b.isLeader());
      const failover = performance.now() - cutOff;
      // The bound is ttl + ttl/5; the rest is slack for a loaded machine.
      expect(failover).toBeLessThan(TTL + TTL / 5 + 1000);
      // A stepped down on its own clock before the row could expire.
      expect(a.isLeader()).toBe(false);
      expect(changes.sort()).toEqual(['a:false', 'a:true', 'b:true']);
      expect(await b.whileLeader(() => changes.push('b ran'))).toBe(true);
      expect(await dbB.transaction().execute((tx) => b.holds(tx))).toBe(true);
    } finally {
      await a.release();
      await b.release();
      await dbB.destroy();
    }
  });

  it('hands over at once when the holder releases it (a clean shutdown)', async () => {
    const [dbA, dbB] = await twoReplicas();
    const a = new LeaderLease(dbA, { ttlMs: 10_000, log });
    const b = new LeaderLease(dbB, { ttlMs: 10_000, log });
    try {
      await a.start();
      await b.start();
      expect(b.isLeader()).toBe(false);
      await a.release();
      expect(await dbA.transaction().execute((tx) => a.holds(tx))).toBe(false);
      // B's next attempt (every ttl/5 = 2 s) finds the row expired, far sooner than the 10 s lease.
      const released = performance.now();
      await watch(a, b, () => b.isLeader());
      expect(performance.now() - released).toBeLessThan(2_000 + 1000);
    } finally {
      await a.release();
      await b.release();
      await dbA.destroy();
      await dbB.destroy();
    }
  });

  it('renews through a new connection when the one it used hangs, and still releases', async () => {
    const { dir, cleanup } = tempDir();
    const storage = (await freshStorage('postgres', dir)) as { postgres: { port: number } };
    const proxy = await blackholeProxy(storage.postgres.port);
    const db = await openDatabase(
      parseConfig({ storage: { postgres: { ...storage.postgres, port: proxy.port } } }).storage,
    );
    const lease = new LeaderLease(db, { ttlMs: TTL, log });
    try {
      await lease.start();
      expect(lease.isLeader()).toBe(true);
      proxy.blackhole();
      // The attempt on the dead connection never returns; the next beat goes on another, and renews.
      await sleep(3 * TTL);
      expect(lease.isLeader()).toBe(true);
      const released = performance.now();
      await lease.release();
      expect(performance.now() - released).toBeLessThan(TTL);
    } finally {
      await lease.release();
      await proxy.close();
      await db.destroy();
      cleanup();
    }
  });

  it('is never taken by a replica that cannot bind its port (started twice by mistake)', async () => {
    buildReceiver();
    const { dir, cleanup } = tempDir();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as { port: number };
    const storage = await freshStorage('postgres', dir);
    try {
      const configPath = join(dir, 'alert-webhook.yml');
      writeFileSync(configPath, yaml.dump({ storage, server: { listen_address: '127.0.0.1', port } }));
      const run = spawnSync(process.execPath, [receiverMain, '--config', configPath], { encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`${port}`);
      // Had it taken the lease, every other replica would wait out its ttl before delivering anything.
      const db = await openDatabase(parseConfig({ storage }).storage);
      try {
        expect(await db.selectFrom('leader_lease').selectAll().execute()).toEqual([]);
      } finally {
        await db.destroy();
      }
    } finally {
      taken.close();
      cleanup();
    }
  });

  it('is always held on SQLite (a single process)', async () => {
    const { dir, cleanup } = tempDir();
    const db = await openDatabase(parseConfig({ storage: await freshStorage('sqlite', dir) }).storage);
    try {
      const lease = new LeaderLease(db, { ttlMs: TTL, log });
      await lease.start();
      expect(lease.isLeader()).toBe(true);
      expect(await db.transaction().execute((tx) => lease.holds(tx))).toBe(true);
      await lease.release();
    } finally {
      await db.destroy();
      cleanup();
    }
  });
});
