import { join } from 'node:path';
import { startHttp, waitFor } from '@vigil/testkit';
import Database from 'better-sqlite3';
import { notification, tempDir } from './helpers';
import { buildReceiver, startReceiver } from './processes';

beforeAll(() => buildReceiver());

describe('durability', () => {
  it('keeps every acknowledged delivery across a kill -9 during a burst, and merges it after restart', async () => {
    const { dir, cleanup } = tempDir('vigil-kill-');
    try {
      const receiver = await startReceiver(dir, {});
      const acknowledged: string[] = [];
      let next = 0;
      const send = async (): Promise<void> => {
        while (next < 2000) {
          const groupKey = `burst-${next++}`;
          const payload = notification(
            Array.from({ length: 10 }, (_, i) => ({ fingerprint: `${groupKey}-${i}` })),
            { groupKey },
          );
          try {
            const res = await fetch(`${receiver.url}/api/v1/alertmanager`, {
              method: 'POST',
              headers: { 'Content-Type': 'application/json' },
              body: JSON.stringify(payload),
            });
            if (res.ok) acknowledged.push(groupKey);
          } catch {
            return; // the receiver is gone
          }
        }
      };
      const senders = Array.from({ length: 16 }, send);
      await waitFor('some deliveries', async () => (acknowledged.length >= 100 ? true : undefined));
      receiver.child.kill('SIGKILL');
      await Promise.all(senders);
      await receiver.stop();
      expect(acknowledged.length).toBeGreaterThanOrEqual(100);

      const restarted = await startReceiver(dir, {});
      try {
        const db = new Database(join(dir, 'vigil.db'), { readonly: true });
        try {
          const stored = new Set(
            (db.prepare('select group_key from inbox').all() as { group_key: string }[]).map(
              (r) => r.group_key,
            ),
          );
          expect(acknowledged.filter((k) => !stored.has(k))).toEqual([]);
          // Whatever the crash left unmerged is merged after the restart: one incident per acknowledged group.
          await waitFor('the inbox to drain', async () => {
            const row = db.prepare('select count(*) as n from inbox where processed_at is null').get() as {
              n: number;
            };
            return row.n === 0 ? true : undefined;
          });
          const groups = db
            .prepare('select group_key, count(*) as n from incidents group by group_key')
            .all() as {
            group_key: string;
            n: number;
          }[];
          const incidents = new Map(groups.map((g) => [g.group_key, g.n]));
          for (const key of acknowledged) expect(incidents.get(key)).toBe(1);
        } finally {
          db.close();
        }
      } finally {
        await restarted.stop();
      }
    } finally {
      cleanup();
    }
  });

  it('lets a notification on the wire finish and records it when stopped (SIGTERM), so no other sends it again', async () => {
    const { dir, cleanup } = tempDir('vigil-stop-');
    const posted: number[] = [];
    // Answers each POST two seconds after it arrives, as a slow chat service would.
    const sink = await startHttp((req, res) => {
      posted.push(Date.now());
      req.resume();
      setTimeout(() => res.end('ok'), 2000);
    });
    try {
      const receiver = await startReceiver(
        dir,
        {
          notifications: {
            channels: { hook: { kind: 'webhook', url: sink.url, secret: { env: 'HOOK_SECRET' } } },
          },
          routing: { team: 'ops', channels: ['hook'] },
        },
        { HOOK_SECRET: 'secret' },
      );
      const res = await fetch(`${receiver.url}/api/v1/alertmanager`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(notification([{ fingerprint: 'slow' }], { groupKey: 'slow' })),
      });
      expect(res.status).toBe(200);
      await waitFor('the notification on the wire', async () => (posted.length > 0 ? true : undefined));
      await receiver.stop('SIGTERM', 15_000);
      expect(receiver.exitStatus).toBe(0);
      const db = new Database(join(dir, 'vigil.db'), { readonly: true });
      try {
        expect(db.prepare('select status, attempts from notifications').all()).toEqual([
          { status: 'sent', attempts: 1 },
        ]);
      } finally {
        db.close();
      }
      expect(posted).toHaveLength(1);
    } finally {
      await sink.close();
      cleanup();
    }
  });
});
