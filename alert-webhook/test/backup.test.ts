import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@vigil/testkit';
import Database from 'better-sqlite3';
import { parseConfig } from '../src/config';
import { pgDumpCommand, runBackup } from '../src/backup/backup';
import { notification, tempDir } from './helpers';
import { buildReceiver, startReceiver } from './processes';

const run = promisify(execFile);
const MAIN = join(__dirname, '..', 'dist', 'src', 'main.js');

beforeAll(() => buildReceiver());

describe('alert-webhook backup', () => {
  it('copies the database mid-storm; restored, it holds and merges every delivery acknowledged before the copy', async () => {
    const { dir, cleanup } = tempDir('vigil-backup-');
    try {
      const receiver = await startReceiver(dir, {});
      const acknowledged: { groupKey: string; at: number }[] = [];
      let next = 0;
      let storming = true;
      const send = async (): Promise<void> => {
        while (storming) {
          const groupKey = `storm-${next++}`;
          const payload = notification(
            Array.from({ length: 10 }, (_, i) => ({ fingerprint: `${groupKey}-${i}` })),
            { groupKey },
          );
          const res = await fetch(`${receiver.url}/api/v1/alertmanager`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(payload),
          });
          if (res.ok) acknowledged.push({ groupKey, at: Date.now() });
        }
      };
      const senders = Array.from({ length: 8 }, send);
      await waitFor('a storm under way', async () => (acknowledged.length >= 300 ? true : undefined));
      const backupStarted = Date.now();
      const { stdout } = await run(process.execPath, [
        MAIN,
        'backup',
        '--config',
        join(dir, 'alert-webhook.yml'),
        '--output',
        join(dir, 'backup.db'),
      ]);
      const before = acknowledged.filter((a) => a.at < backupStarted).map((a) => a.groupKey);
      await waitFor('more deliveries after the copy', async () =>
        acknowledged.length >= before.length + 100 ? true : undefined,
      );
      storming = false;
      await Promise.all(senders);
      await receiver.stop();
      expect(JSON.parse(stdout)).toMatchObject({ output: join(dir, 'backup.db') });
      expect(existsSync(join(dir, 'backup.db.partial'))).toBe(false);

      // Restore: the copy alone, at storage.sqlite.path, in a fresh directory.
      const restoredDir = join(dir, 'restored');
      mkdirSync(restoredDir);
      copyFileSync(join(dir, 'backup.db'), join(restoredDir, 'vigil.db'));
      const restored = await startReceiver(restoredDir, {});
      try {
        const db = new Database(join(restoredDir, 'vigil.db'), { readonly: true });
        try {
          await waitFor('the restored inbox to drain', async () => {
            const row = db.prepare('select count(*) as n from inbox where processed_at is null').get() as {
              n: number;
            };
            return row.n === 0 ? true : undefined;
          });
          const incidents = new Map(
            (
              db.prepare('select group_key, count(*) as n from incidents group by group_key').all() as {
                group_key: string;
                n: number;
              }[]
            ).map((g) => [g.group_key, g.n]),
          );
          expect(before.length).toBeGreaterThanOrEqual(300);
          expect(before.filter((key) => incidents.get(key) !== 1)).toEqual([]);
          const alerts = db.prepare('select count(*) as n from alerts').get() as { n: number };
          expect(alerts.n).toBeGreaterThanOrEqual(before.length * 10);
        } finally {
          db.close();
        }
      } finally {
        await restored.stop();
      }
    } finally {
      cleanup();
    }
  });

  it('names what is wrong: a typo, no --output, no database, no directory, and PostgreSQL (pg_dump instead)', async () => {
    const { dir, cleanup } = tempDir('vigil-backup-');
    const errors: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((text) => {
      errors.push(String(text));
      return true;
    });
    try {
      expect(await runBackup(['--outptu', 'b.db'], {})).toBe(2);
      expect(errors.join('')).toContain(
        'alert-webhook backup: unknown flag --outptu (did you mean --output?)',
      );
      expect(await runBackup([], {})).toBe(2);
      expect(errors.join('')).toContain('give --output <file>');
      const missing = join(dir, 'missing.yml');
      writeFileSync(missing, `storage: { sqlite: { path: ${join(dir, 'none.db')} } }\n`);
      expect(await runBackup(['--config', missing, '--output', join(dir, 'b.db')], {})).toBe(1);
      expect(errors.join('')).toContain(`no database at ${join(dir, 'none.db')} (storage.sqlite.path)`);
      // The database itself, however written, is refused and left as it was.
      const live = join(dir, 'live.db');
      const db = new Database(live);
      db.exec('create table t (x); insert into t values (1)');
      db.close();
      const own = join(dir, 'own.yml');
      writeFileSync(own, `storage: { sqlite: { path: ${live} } }\n`);
      const before = statSync(live).ino;
      expect(await runBackup(['--config', own, '--output', `${dir}/./live.db`], {})).toBe(1);
      expect(errors.join('')).toContain(
        'is the database itself (storage.sqlite.path): write the backup elsewhere',
      );
      expect(statSync(live).ino).toBe(before);
      expect(await runBackup(['--config', own, '--output', join(dir, 'nowhere', 'b.db')], {})).toBe(1);
      expect(errors.join('')).toContain(
        `cannot write ${join(dir, 'nowhere', 'b.db')}: ${join(dir, 'nowhere')} is not a directory`,
      );
      expect(await runBackup(['--config', own, '--output', dir], {})).toBe(1);
      expect(errors.join('')).toContain(`${dir} is a directory: give the backup's file name`);
      const pg = join(dir, 'pg.yml');
      writeFileSync(pg, 'storage: { postgres: { host: db.example.com, database: vigil, user: vigil } }\n');
      expect(await runBackup(['--config', pg, '--output', 'vigil.dump'], {})).toBe(1);
      expect(errors.join('')).toContain(
        'pg_dump --format=custom --host=db.example.com --username=vigil --dbname=vigil --file=vigil.dump',
      );
    } finally {
      spy.mockRestore();
      cleanup();
    }
  });

  it('leaves the password out of the pg_dump line of a URL', () => {
    const { storage } = parseConfig(
      { storage: { postgres: { url: { env: 'PG_URL' } } } },
      { PG_URL: 'postgres://vigil:secret@db:5432/vigil' },
    );
    expect(pgDumpCommand(storage.postgres as NonNullable<typeof storage.postgres>, 'f.dump')).toBe(
      "pg_dump --format=custom --dbname='postgres://vigil@db:5432/vigil' --file=f.dump",
    );
  });
});
