import type { TLSSocket } from 'node:tls';
import { closedPort, runOnce, selfSignedCert, startDns, startHttp, startHttps, startTcp } from './helpers';

describe('http checks against a real local server', () => {
  let server: Awaited<ReturnType<typeof startHttp>>;
  const seen: { method?: string; headers: Record<string, unknown>; body: string }[] = [];
  beforeAll(async () => {
    server = await startHttp((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, headers: req.headers, body });
        if (req.url === '/slow') {
          const timer = setTimeout(() => res.end('late'), 2000);
          return void res.on('close', () => clearTimeout(timer));
        }
        if (req.url === '/fail') return void res.writeHead(503).end('{"status":"down"}');
        if (req.url === '/moved') return void res.writeHead(301, { location: '/ok' }).end();
        if (req.url === '/hostile') return void res.end(`${'a'.repeat(28)}b`);
        res.end('{"status":"ok"}');
      });
    });
  });
  afterAll(() => server.close());

  it('succeeds on 2xx with a matching body and reports the status code', async () => {
    const r = await runOnce({ kind: 'http', url: `${server.url}/ok`, body_regex: '"status":"ok"' });
    expect(r).toMatchObject({ success: true, httpStatusCode: 200 });
    expect(r.durationSeconds).toBeGreaterThan(0);
  });

  it('sends the configured method, headers and body', async () => {
    seen.length = 0;
    await runOnce({
      kind: 'http',
      url: `${server.url}/ok`,
      method: 'POST',
      headers: { 'X-Probe': 'vigil' },
      body: 'ping',
    });
    expect(seen[0]).toMatchObject({ method: 'POST', headers: { 'x-probe': 'vigil' }, body: 'ping' });
  });

  it('fails on an unexpected status, and on a body that does not match', async () => {
    expect(await runOnce({ kind: 'http', url: `${server.url}/fail` })).toMatchObject({
      success: false,
      httpStatusCode: 503,
      message: 'unexpected status 503',
    });
    const r = await runOnce({ kind: 'http', url: `${server.url}/ok`, body_regex: 'healthy' });
    expect(r).toMatchObject({ success: false, message: 'body does not match /healthy/' });
  });

  it('matches a pattern that backtracks exponentially (^(a+)+$) against a hostile body in linear time', async () => {
    // On V8's backtracking engine alone this body takes about 15 s, and holds every check and scrape.
    const started = Date.now();
    const r = await runOnce({ kind: 'http', url: `${server.url}/hostile`, body_regex: '^(a+)+$' });
    expect(r).toMatchObject({ success: false, message: 'body does not match /^(a+)+$/' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('follows redirects by default, as blackbox does; with follow_redirects false a 3xx counts only when listed', async () => {
    expect(await runOnce({ kind: 'http', url: `${server.url}/moved` })).toMatchObject({
      success: true,
      httpStatusCode: 200,
    });
    const noFollow = { kind: 'http', url: `${server.url}/moved`, follow_redirects: false };
    expect(await runOnce(noFollow)).toMatchObject({ success: false, httpStatusCode: 301 });
    expect(await runOnce({ ...noFollow, expected_status: [301] })).toMatchObject({ success: true });
  });

  it('gives up on a slow endpoint at the timeout', async () => {
    const r = await runOnce({ kind: 'http', url: `${server.url}/slow`, timeout: '200ms' });
    expect(r).toMatchObject({ success: false, message: 'timeout' });
    expect(r.durationSeconds).toBeGreaterThanOrEqual(0.19);
    expect(r.durationSeconds).toBeLessThan(1);
  });

  it('fails on a closed port with the connection error', async () => {
    const r = await runOnce({ kind: 'http', url: `http://127.0.0.1:${await closedPort()}/` });
    expect(r).toMatchObject({ success: false });
    expect(r.message).toMatch(/ECONNREFUSED/);
  });

  it('turns a check that throws (an invalid header value) into a failed result', async () => {
    const r = await runOnce({ kind: 'http', url: `${server.url}/ok`, headers: { 'X-Bad': 'a\nb' } });
    expect(r.success).toBe(false);
    expect(r.message).toMatch(/header/i);
  });
});

describe('https checks against a self-signed server', () => {
  const tls = selfSignedCert(20);
  let server: Awaited<ReturnType<typeof startHttps>>;
  const caFile = tls.certFile;
  /** The server name each request's client sent (SNI), or false. */
  const sent: (string | false | null)[] = [];
  beforeAll(
    async () =>
      (server = await startHttps(tls, (req, res) => {
        sent.push((req.socket as TLSSocket).servername);
        res.end('ok');
      })),
  );
  afterAll(async () => {
    await server.close();
    tls.cleanup();
  });

  it('trusts the certificate given as ca_file and reports its expiry', async () => {
    const r = await runOnce({ kind: 'http', url: server.url, tls: { ca_file: caFile } });
    expect(r).toMatchObject({ success: true, httpStatusCode: 200, sslEarliestCertExpiry: tls.notAfter });
  });

  it('refuses an untrusted certificate unless insecure_skip_verify is set', async () => {
    const refused = await runOnce({ kind: 'http', url: server.url });
    expect(refused.success).toBe(false);
    expect(refused.message).toMatch(/self[- ]signed/);
    const skipped = await runOnce({ kind: 'http', url: server.url, tls: { insecure_skip_verify: true } });
    expect(skipped).toMatchObject({ success: true, sslEarliestCertExpiry: tls.notAfter });
  });

  it('checks the certificate against server_name, sent as SNI only when it is a name, as blackbox does', async () => {
    const warned = jest.spyOn(process, 'emitWarning');
    try {
      sent.splice(0);
      const as = (server_name: string) =>
        runOnce({ kind: 'http', url: server.url, tls: { ca_file: caFile, server_name } });
      expect(await as('localhost')).toMatchObject({ success: true });
      expect(await as('127.0.0.1')).toMatchObject({ success: true });
      expect(sent).toEqual(['localhost', false]);
      // The certificate is for 127.0.0.1 and localhost only.
      for (const name of ['10.1.2.3', 'elsewhere.test']) {
        expect((await as(name)).message).toMatch(/altnames/i);
      }
      expect(warned).not.toHaveBeenCalled();
    } finally {
      warned.mockRestore();
    }
  });

  it('fails when the certificate expires within min_validity', async () => {
    const r = await runOnce({ kind: 'http', url: server.url, tls: { ca_file: caFile, min_validity: '30d' } });
    expect(r).toMatchObject({ success: false, sslEarliestCertExpiry: tls.notAfter });
    expect(r.message).toMatch(/^certificate expires/);
    expect(
      await runOnce({ kind: 'http', url: server.url, tls: { ca_file: caFile, min_validity: '7d' } }),
    ).toMatchObject({
      success: true,
    });
  });
});

describe('tcp checks', () => {
  it('succeeds on a listening port and fails on a closed one', async () => {
    const tcp = await startTcp();
    try {
      expect(await runOnce({ kind: 'tcp', host: '127.0.0.1', port: tcp.port })).toMatchObject({
        success: true,
      });
    } finally {
      await tcp.close();
    }
    const closed = await runOnce({ kind: 'tcp', host: '127.0.0.1', port: await closedPort() });
    expect(closed.success).toBe(false);
    expect(closed.message).toMatch(/ECONNREFUSED/);
  });
});

describe('dns checks against a local resolver', () => {
  let dns: Awaited<ReturnType<typeof startDns>>;
  beforeAll(async () => (dns = await startDns({ 'db.vigil.test': '10.0.0.7' })));
  afterAll(() => dns.close());

  it('succeeds when the name resolves to the expected answers', async () => {
    const r = await runOnce({
      kind: 'dns',
      hostname: 'db.vigil.test',
      server: dns.server,
      expected_answers: ['10.0.0.7'],
    });
    expect(r).toMatchObject({ success: true });
  });

  it('fails on a missing answer and on an unknown name', async () => {
    const wrong = await runOnce({
      kind: 'dns',
      hostname: 'db.vigil.test',
      server: dns.server,
      expected_answers: ['10.0.0.8'],
    });
    expect(wrong).toMatchObject({ success: false, message: 'missing answers: 10.0.0.8' });
    const unknown = await runOnce({ kind: 'dns', hostname: 'nope.vigil.test', server: dns.server });
    expect(unknown.success).toBe(false);
    expect(unknown.message).toBe('rcode NXDOMAIN');
  });
});
