import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { closedPort, listenLocal, runOnce, selfSignedCert, startSilentTcp } from './helpers';

/** A real SMTP server (the smtp-server package) on a free port; records what clients said. */
async function startSmtp(options: SMTPServerOptions) {
  const seen = { mail: 0 };
  const server = new SMTPServer({
    authOptional: true,
    logger: false,
    onMailFrom(_address, _session, callback) {
      seen.mail++;
      callback();
    },
    ...options,
  });
  server.on('error', () => undefined);
  const { port, close } = await listenLocal(server.server);
  return {
    port,
    seen,
    server,
    close: () => new Promise<void>((resolve) => server.close(resolve)).then(close),
  };
}

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
});
