import { startSmtpSink } from '@vigil/testkit';
import pino from 'pino';
import type { SMTPServerOptions } from 'smtp-server';
import request from 'supertest';
import { parseConfig } from '../src/config';
import { checkFrom, closedPort, exporterApp, runOnce, selfSignedCert, startSilentTcp } from './helpers';

const USERNAME = 'probe@vigil.test';
const PASSWORD = 'sm7p-s3cret';
const WRONG_PASSWORD = 'not-the-password';
const PASSWORD_ENV = 'VIGIL_TEST_SMTP_PASSWORD';
const WRONG_ENV = 'VIGIL_TEST_SMTP_WRONG';

/**
 * The test kit's SMTP sink with these smtp-server options, accepting USERNAME with PASSWORD; its `seen`
 * records what clients said, and the mechanism of each login attempt.
 */
const startSmtp = (server: SMTPServerOptions) =>
  startSmtpSink({ auth: { username: USERNAME, password: PASSWORD }, server });

describe('smtp checks against a real SMTP server', () => {
  const tls = selfSignedCert(20);
  afterAll(() => tls.cleanup());
  const check = (port: number, extra: Record<string, unknown> = {}) => ({
    kind: 'smtp',
    host: '127.0.0.1',
    port,
    ehlo_name: 'probe.vigil.test',
    ...extra,
  });

  it('reads the banner and says EHLO, sending no mail', async () => {
    const smtp = await startSmtp({ disabledCommands: ['STARTTLS'] });
    try {
      expect(await runOnce(check(smtp.port))).toMatchObject({ success: true });
      expect(smtp.seen.mail).toBe(0);
    } finally {
      await smtp.close();
    }
  });

  it('upgrades with STARTTLS, verifying the certificate and reporting its expiry', async () => {
    const smtp = await startSmtp({ key: tls.key, cert: tls.cert });
    try {
      expect(await runOnce(check(smtp.port, { tls: { ca_file: tls.certFile } }))).toMatchObject({
        success: true,
        sslEarliestCertExpiry: tls.notAfter,
      });
      const untrusted = await runOnce(check(smtp.port, { tls: {} }));
      expect(untrusted.success).toBe(false);
      expect(untrusted.message).toMatch(/self[- ]signed/);
    } finally {
      await smtp.close();
    }
  });

  it('fails when STARTTLS is required and the server does not offer it', async () => {
    const smtp = await startSmtp({ disabledCommands: ['STARTTLS'] });
    try {
      expect(await runOnce(check(smtp.port, { tls: { ca_file: tls.certFile } }))).toMatchObject({
        success: false,
        message: 'server does not offer STARTTLS',
      });
    } finally {
      await smtp.close();
    }
  });

  it('speaks TLS from the start in implicit mode (port 465 style)', async () => {
    const smtp = await startSmtp({ secure: true, key: tls.key, cert: tls.cert });
    try {
      const r = await runOnce(check(smtp.port, { tls: { mode: 'implicit', ca_file: tls.certFile } }));
      expect(r).toMatchObject({ success: true, sslEarliestCertExpiry: tls.notAfter });
    } finally {
      await smtp.close();
    }
  });

  it('fails on a refusing banner, naming the step and the server’s answer', async () => {
    const smtp = await startSmtp({
      onConnect: (_session, callback) => callback(Object.assign(new Error('go away'), { responseCode: 554 })),
    });
    try {
      expect(await runOnce(check(smtp.port))).toMatchObject({
        success: false,
        message: 'banner: 554 go away',
      });
    } finally {
      await smtp.close();
    }
  });

  it('fails on a closed port', async () => {
    const r = await runOnce(check(await closedPort()));
    expect(r.success).toBe(false);
    expect(r.message).toMatch(/ECONNREFUSED/);
  });

  it('times out on a server that never sends its banner, and closes its connection', async () => {
    const silent = await startSilentTcp();
    try {
      const r = await runOnce(check(silent.port, { timeout: '300ms' }));
      expect(r).toMatchObject({ success: false, message: 'timeout' });
      expect(await silent.allClosed()).toBe(true);
    } finally {
      await silent.close();
    }
  });

  describe('with auth', () => {
    beforeAll(() => {
      process.env[PASSWORD_ENV] = PASSWORD;
      process.env[WRONG_ENV] = WRONG_PASSWORD;
    });
    afterAll(() => {
      delete process.env[PASSWORD_ENV];
      delete process.env[WRONG_ENV];
    });
    const login = (passwordEnv = PASSWORD_ENV) => ({
      auth: { username: USERNAME, password: { env: passwordEnv } },
    });
    const starttls = { tls: { ca_file: tls.certFile } };

    it('logs in with AUTH PLAIN over STARTTLS or implicit TLS, the password from the environment', async () => {
      const smtp = await startSmtp({ key: tls.key, cert: tls.cert });
      const implicit = await startSmtp({ secure: true, key: tls.key, cert: tls.cert });
      try {
        expect(await runOnce(check(smtp.port, { ...starttls, ...login() }))).toMatchObject({
          success: true,
          sslEarliestCertExpiry: tls.notAfter,
        });
        const implicitTls = { tls: { mode: 'implicit', ca_file: tls.certFile } };
        expect(await runOnce(check(implicit.port, { ...implicitTls, ...login() }))).toMatchObject({
          success: true,
        });
        expect([smtp.seen, implicit.seen]).toEqual([
          { mail: 0, auth: ['PLAIN'] },
          { mail: 0, auth: ['PLAIN'] },
        ]);
      } finally {
        await smtp.close();
        await implicit.close();
      }
    });

    it('falls back to AUTH LOGIN when the server does not offer PLAIN, failing on its 535', async () => {
      const smtp = await startSmtp({ key: tls.key, cert: tls.cert, authMethods: ['LOGIN'] });
      try {
        expect(await runOnce(check(smtp.port, { ...starttls, ...login() }))).toMatchObject({ success: true });
        expect(await runOnce(check(smtp.port, { ...starttls, ...login(WRONG_ENV) }))).toMatchObject({
          success: false,
          message: 'authentication failed: 535 Invalid username or password',
        });
        expect(smtp.seen.auth).toEqual(['LOGIN', 'LOGIN']);
      } finally {
        await smtp.close();
      }
    });

    it('fails when the server offers no AUTH, or neither PLAIN nor LOGIN', async () => {
      const none = await startSmtp({ key: tls.key, cert: tls.cert, disabledCommands: ['AUTH'] });
      const other = await startSmtp({ key: tls.key, cert: tls.cert, authMethods: ['XOAUTH2'] });
      try {
        expect(await runOnce(check(none.port, { ...starttls, ...login() }))).toMatchObject({
          success: false,
          message: 'server does not offer AUTH',
        });
        expect(await runOnce(check(other.port, { ...starttls, ...login() }))).toMatchObject({
          success: false,
          message: 'server offers AUTH XOAUTH2, neither PLAIN nor LOGIN',
        });
        expect(other.seen.auth).toEqual([]);
      } finally {
        await none.close();
        await other.close();
      }
    });

    it('refuses to log in over a plain connection unless allow_insecure_auth is set', async () => {
      const smtp = await startSmtp({ disabledCommands: ['STARTTLS'] });
      try {
        expect(await runOnce(check(smtp.port, login()))).toMatchObject({
          success: false,
          message: 'auth without tls would send the password in clear: set tls, or allow_insecure_auth: true',
        });
        expect(smtp.seen.auth).toEqual([]);
        const insecure = { ...login(), allow_insecure_auth: true };
        expect(await runOnce(check(smtp.port, insecure))).toMatchObject({ success: true });
        expect(smtp.seen.auth).toEqual(['PLAIN']);
      } finally {
        await smtp.close();
      }
    });

    it('refuses a config whose password is unset or inline, naming the key', () => {
      expect(() => checkFrom(check(25, login('VIGIL_TEST_UNSET')))).toThrow(
        'services.svc.checks[0].auth.password: environment variable VIGIL_TEST_UNSET is not set',
      );
      expect(() => checkFrom(check(25, { auth: { username: USERNAME, password: PASSWORD } }))).toThrow(
        /services\.svc\.checks\[0\]\.auth\.password/,
      );
    });

    it('shows neither password in /health, /metrics, /probe or the log, right or wrong', async () => {
      const smtp = await startSmtp({ key: tls.key, cert: tls.cert });
      const logged: string[] = [];
      const log = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });
      const smtpCheck = (name: string, passwordEnv: string) => ({
        name,
        ...check(smtp.port, { ...starttls, ...login(passwordEnv) }),
      });
      const config = parseConfig({
        services: { mail: { checks: [smtpCheck('right', PASSWORD_ENV), smtpCheck('wrong', WRONG_ENV)] } },
        probe: {
          allowed_targets: ['127.0.0.1'],
          modules: { smtp_auth: { kind: 'smtp', ...starttls, ...login(WRONG_ENV) } },
        },
      });
      const { app, exporter } = await exporterApp(config, { log });
      try {
        const health = await request(app).get('/health').expect(200);
        expect(health.body.services[0].checks).toMatchObject([
          { name: 'right', success: true },
          {
            name: 'wrong',
            success: false,
            message: 'authentication failed: 535 Invalid username or password',
          },
        ]);
        const metrics = await request(app).get('/metrics').expect(200);
        const probe = await request(app)
          .get('/probe')
          .query({ target: `127.0.0.1:${smtp.port}`, module: 'smtp_auth' })
          .expect(200);
        expect(probe.text).toMatch(/^probe_success 0$/m);
        expect(logged.join('')).toContain('authentication failed: 535');
        // In clear, and as AUTH LOGIN and AUTH PLAIN send them.
        const forms = [PASSWORD, WRONG_PASSWORD].flatMap((p) => [
          p,
          Buffer.from(p).toString('base64'),
          Buffer.from(`\0${USERNAME}\0${p}`).toString('base64'),
        ]);
        for (const text of [health.text, metrics.text, probe.text, ...logged]) {
          for (const form of forms) expect(text).not.toContain(form);
        }
      } finally {
        await exporter.stop();
        await smtp.close();
      }
    });
  });
});
