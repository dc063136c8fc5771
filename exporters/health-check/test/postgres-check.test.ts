import { writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { startPostgres, type Postgres } from '@vigil/testkit';
import { ConfigError } from '../src/config';
import {
  checkFrom,
  closedPort,
  runOnce,
  selfSignedCert,
  startSilentTcp,
  startSniRecorder,
  tempDir,
} from './helpers';

const PASSWORD_ENV = 'VIGIL_TEST_PG_PASSWORD';

describe('postgres checks against a real PostgreSQL', () => {
  const tls = selfSignedCert(20);
  const files = tempDir();
  let pg: Postgres;
  beforeAll(async () => {
    pg = await startPostgres({ user: 'vigil', password: 's3cret', tls });
    process.env[PASSWORD_ENV] = pg.password;
  });
  afterAll(async () => {
    delete process.env[PASSWORD_ENV];
    await pg?.stop();
    tls.cleanup();
    files.cleanup();
  });
  const check = (extra: Record<string, unknown>) => ({
    kind: 'postgres',
    host: pg.host,
    port: pg.port,
    user: pg.user,
    password: { env: PASSWORD_ENV },
    ...extra,
  });

  it('connects and runs SELECT 1 with the password from the environment or a file', async () => {
    expect(await runOnce(check({}))).toMatchObject({ success: true });
    const file = join(files.dir, 'pg-password');
    writeFileSync(file, `${pg.password}\n`);
    expect(await runOnce(check({ password: { file }, database: 'postgres' }))).toMatchObject({
      success: true,
    });
  });

  it('fails on a wrong password, and on a database that does not exist, saying so', async () => {
    process.env.VIGIL_TEST_PG_WRONG = 'wrong';
    const wrong = await runOnce(check({ password: { env: 'VIGIL_TEST_PG_WRONG' } }));
    expect(wrong.success).toBe(false);
    expect(wrong.message).toMatch(/password authentication failed for user "vigil"/);
    const noDb = await runOnce(check({ database: 'nope' }));
    expect(noDb.message).toMatch(/database "nope" does not exist/);
  });

  it('speaks TLS when asked, verifying the certificate against ca_file', async () => {
    expect(await runOnce(check({ tls: { ca_file: tls.certFile } }))).toMatchObject({ success: true });
    const untrusted = await runOnce(check({ tls: {} }));
    expect(untrusted.success).toBe(false);
    expect(untrusted.message).toMatch(/self[- ]signed/);
  });

  it('sends tls.server_name as SNI and verifies the certificate against it, even when host is a name', async () => {
    // pg would send (and verify) its host whenever that is a name.
    const sslRequest = (socket: Socket) =>
      new Promise<void>((resolve) =>
        socket.once('data', () => {
          socket.write('S'); // PostgreSQL's yes to the SSLRequest: TLS starts
          resolve();
        }),
      );
    const server = await startSniRecorder(tls, sslRequest);
    try {
      const fake = { kind: 'postgres', host: 'localhost', port: server.port };
      await runOnce({ ...fake, tls: { server_name: 'db.vigil.test', insecure_skip_verify: true } });
      expect(server.names).toEqual(['db.vigil.test']);
      const verified = await runOnce({
        ...fake,
        tls: { server_name: 'db.vigil.test', ca_file: tls.certFile },
      });
      expect(verified.message).toMatch(/Host: db\.vigil\.test\. is not in the cert's altnames/);
    } finally {
      await server.close();
    }
    // The real server is still reached at host, its certificate verified against server_name.
    const named = await runOnce(check({ tls: { ca_file: tls.certFile, server_name: 'localhost' } }));
    expect(named).toMatchObject({ success: true });
  });

  it('fails on a closed port', async () => {
    const r = await runOnce(check({ port: await closedPort() }));
    expect(r.success).toBe(false);
    expect(r.message).toMatch(/ECONNREFUSED/);
  });

  it('times out on a server that never answers, and closes its connection', async () => {
    const silent = await startSilentTcp();
    try {
      const r = await runOnce(check({ port: silent.port, timeout: '300ms' }));
      expect(r).toMatchObject({ success: false, message: 'timeout' });
      expect(await silent.allClosed()).toBe(true);
    } finally {
      await silent.close();
    }
  });

  it('refuses a config whose password variable is unset or given inline, naming the key', () => {
    expect(() => checkFrom(check({ password: { env: 'VIGIL_TEST_UNSET' } }))).toThrow(ConfigError);
    expect(() => checkFrom(check({ password: { env: 'VIGIL_TEST_UNSET' } }))).toThrow(
      'services.svc.checks[0].password: environment variable VIGIL_TEST_UNSET is not set',
    );
    expect(() => checkFrom(check({ password: 'inline' }))).toThrow(/services\.svc\.checks\[0\]\.password/);
    expect(() => checkFrom(check({ password: { env: 'A', file: 'b' } }))).toThrow(
      /password: set exactly one of env or file/,
    );
  });
});
