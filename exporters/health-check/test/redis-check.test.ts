import { startRedis, type Redis } from '@vigil/testkit';
import request from 'supertest';
import { CHECK_KINDS } from '../src/checks';
import { parseConfig } from '../src/config';
import {
  closedPort,
  exporterApp,
  runOnce,
  selfSignedCert,
  startSilentTcp,
  startSniRecorder,
} from './helpers';

const PASSWORD_ENV = 'VIGIL_TEST_REDIS_PASSWORD';

describe('redis checks against a real redis-server', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = await startRedis({ password: 'r3dis' });
    process.env[PASSWORD_ENV] = 'r3dis';
    process.env.VIGIL_TEST_REDIS_WRONG = 'wrong';
  });
  afterAll(async () => {
    delete process.env[PASSWORD_ENV];
    await redis?.stop();
  });
  const check = (extra: Record<string, unknown>) => ({
    kind: 'redis',
    host: redis.host,
    port: redis.port,
    password: { env: PASSWORD_ENV },
    ...extra,
  });

  it('authenticates and gets PONG', async () => {
    expect(await runOnce(check({}))).toMatchObject({ success: true });
    expect(await runOnce(check({ username: 'default' }))).toMatchObject({ success: true });
  });

  it('fails on a wrong password and without one, with the server’s reason', async () => {
    const wrong = await runOnce(check({ password: { env: 'VIGIL_TEST_REDIS_WRONG' } }));
    expect(wrong.success).toBe(false);
    expect(wrong.message).toMatch(/WRONGPASS/);
    const none = await runOnce(check({ password: undefined }));
    expect(none.success).toBe(false);
    expect(none.message).toMatch(/^NOAUTH /);
    // Redis explains at length; the message is cut to stay readable in /health and the log.
    expect(none.message?.length).toBeLessThanOrEqual(200);
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

  it('speaks TLS when asked, verifying the certificate against ca_file', async () => {
    const tls = selfSignedCert(20);
    const tlsRedis = await startRedis({ tls });
    try {
      const base = { kind: 'redis', host: tlsRedis.host, port: tlsRedis.port };
      expect(await runOnce({ ...base, tls: { ca_file: tls.certFile } })).toMatchObject({ success: true });
      const untrusted = await runOnce({ ...base, tls: {} });
      expect(untrusted.success).toBe(false);
      expect(untrusted.message).toMatch(/self[- ]signed/);
    } finally {
      await tlsRedis.stop();
      tls.cleanup();
    }
  });

  it('sends tls.server_name as SNI, even when host is a name', async () => {
    const tls = selfSignedCert(20);
    const server = await startSniRecorder(tls);
    try {
      const tlsSettings = { server_name: 'cache.vigil.test', insecure_skip_verify: true };
      await runOnce({ kind: 'redis', host: 'localhost', port: server.port, tls: tlsSettings });
      expect(server.names).toEqual(['cache.vigil.test']);
    } finally {
      await server.close();
      tls.cleanup();
    }
  });

  it('serves /probe with a redis module; a target without port means 6379', async () => {
    const config = parseConfig({
      probe: {
        allowed_targets: ['127.0.0.1'],
        modules: { redis_auth: { kind: 'redis', timeout: '2s', password: { env: PASSWORD_ENV } } },
      },
    });
    const { app } = await exporterApp(config);
    const res = await request(app)
      .get('/probe')
      .query({ target: `127.0.0.1:${redis.port}`, module: 'redis_auth' })
      .expect(200);
    expect(res.text).toMatch(/^probe_success 1$/m);
    expect(CHECK_KINDS.get('redis')?.parseTarget('cache.example.com', {})).toMatchObject({
      fields: { host: 'cache.example.com', port: 6379 },
    });
  });
});
