import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir, type TempDir } from '@vigil/testkit';
import { parseConfig } from '../src/config';
import { initialAdminTokenFile } from '../src/api/initial-admin-token';
import { buildReceiver, startReceiver, type ReceiverProcess } from './processes';

/** The receiver's JSON log lines (pino), parsed; other output is skipped. */
function logLines(output: string): { level: number; msg: string; file?: string }[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string; file?: string });
}

const WARN = 40;

async function get(receiver: ReceiverProcess, path: string, token?: string) {
  const res = await fetch(`${receiver.url}${path}`, {
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

let tmp: TempDir;
let file: string;
beforeAll(() => {
  tmp = tempDir();
  file = join(tmp.dir, 'initial-admin-token');
  buildReceiver();
});
afterAll(() => tmp.cleanup());

describe('the initial admin token, with no api.tokens configured', () => {
  let token: string;

  it('is generated on first start into a 0600 file beside the database, and its use is logged once, not it', async () => {
    const receiver = await startReceiver(tmp.dir, {});
    try {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      token = readFileSync(file, 'utf8').trim();
      expect(token).toMatch(/^vigil_[A-Za-z0-9_-]{43}$/);

      const about = logLines(receiver.output()).filter((l) => l.msg.includes('admin token'));
      expect(about).toHaveLength(1);
      expect(about[0]).toMatchObject({ level: WARN, file });
      const curl = `curl -H "Authorization: Bearer $(cat ${file})" ${receiver.url}/api/v1/incidents`;
      expect(about[0]!.msg).toContain(`generated a one-time admin token in ${file}; use it with: ${curl}.`);

      // The line works as written.
      const answer = JSON.parse(execFileSync('sh', ['-c', `${curl} -s`]).toString()) as { items: unknown[] };
      expect(answer.items).toEqual([]);

      expect((await get(receiver, '/api/v1/incidents')).status).toBe(401);
      expect(await get(receiver, '/api/v1/whoami', token)).toEqual({
        status: 200,
        body: { name: 'initial-admin', role: 'admin' },
      });
      expect(receiver.output()).not.toContain(token);
    } finally {
      await receiver.stop();
    }
  }, 120_000);

  it('is accepted again after a restart while its file exists, and no new one is made', async () => {
    const receiver = await startReceiver(tmp.dir, {});
    try {
      expect(readFileSync(file, 'utf8').trim()).toBe(token);
      expect((await get(receiver, '/api/v1/whoami', token)).status).toBe(200);
      const about = logLines(receiver.output()).filter((l) => l.msg.includes('admin token'));
      expect(about.map((l) => l.msg)).toEqual([
        expect.stringContaining(`the initial admin token is in ${file};`),
      ]);
      expect(receiver.output()).not.toContain(token);

      // Deleting the file revokes the token at once.
      rmSync(file);
      expect((await get(receiver, '/api/v1/whoami', token)).status).toBe(401);
    } finally {
      await receiver.stop();
    }
    // The next start makes a new one.
    const again = await startReceiver(tmp.dir, {});
    try {
      const fresh = readFileSync(file, 'utf8').trim();
      expect(fresh).not.toBe(token);
      expect((await get(again, '/api/v1/whoami', token)).status).toBe(401);
      expect((await get(again, '/api/v1/whoami', fresh)).status).toBe(200);
      token = fresh;
    } finally {
      await again.stop();
    }
  }, 180_000);

  it('is never accepted once api.tokens is configured, which is logged', async () => {
    const receiver = await startReceiver(
      tmp.dir,
      { api: { tokens: [{ name: 'ops', role: 'viewer', token: { env: 'OPS_TOKEN' } }] } },
      { OPS_TOKEN: 'ops-token-1234' },
    );
    try {
      expect((await get(receiver, '/api/v1/whoami', token)).status).toBe(401);
      expect((await get(receiver, '/api/v1/whoami', 'ops-token-1234')).body).toEqual({
        name: 'ops',
        role: 'viewer',
      });
      const about = logLines(receiver.output()).filter((l) => l.msg.includes('admin token'));
      expect(about).toEqual([
        expect.objectContaining({
          level: WARN,
          file,
          msg: `api.tokens is configured: the initial admin token in ${file} is ignored; delete the file`,
        }),
      ]);
      expect(receiver.output()).not.toContain(token);
      expect(existsSync(file)).toBe(true); // left for the operator to delete
    } finally {
      await receiver.stop();
    }
  }, 120_000);
});

describe('where the initial admin token file is', () => {
  it('defaults to beside the SQLite file, to data/ on PostgreSQL, and follows api.initial_admin_token_file', () => {
    expect(
      initialAdminTokenFile(parseConfig({ storage: { sqlite: { path: '/var/lib/vigil/vigil.db' } } })),
    ).toBe('/var/lib/vigil/initial-admin-token');
    expect(initialAdminTokenFile(parseConfig({}))).toBe(resolve('data/initial-admin-token'));
    const postgres = { postgres: { host: 'db', database: 'vigil', user: 'vigil' } };
    expect(initialAdminTokenFile(parseConfig({ storage: postgres }))).toBe(
      resolve('data/initial-admin-token'),
    );
    expect(
      initialAdminTokenFile(
        parseConfig({ storage: postgres, api: { initial_admin_token_file: '/run/vigil/admin-token' } }),
      ),
    ).toBe('/run/vigil/admin-token');
  });
});
