import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { listenLocal, makeCertificates, startForwardProxy, tempDir, waitFor } from '@vigil/testkit';
import { ConfigError, HttpClient, httpClientSchema, resolveHttpClient } from '../src';

const dir = tempDir('vigil-kit-http-');
const certs = makeCertificates(dir.dir);
afterAll(() => dir.cleanup());

interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  clientCert?: string;
  /** The server name the client sent (SNI), or false. */
  sni?: string | false | null;
}

/** Answers 200 with what it saw as JSON; /slow never answers. */
function echo(seen: Seen[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/slow') return;
      const peer = (req.socket as TLSSocket).getPeerCertificate?.();
      const clientCert = peer && 'subject' in peer ? String(peer.subject?.CN) : undefined;
      seen.push({
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
        clientCert,
        sni: (req.socket as TLSSocket).servername,
      });
      res.writeHead(201, { 'content-type': 'application/json', 'retry-after': '3' });
      res.end(JSON.stringify({ ok: true }));
    });
  };
}

const client = (doc: unknown, env: NodeJS.ProcessEnv = {}, timeoutMs = 5000) =>
  new HttpClient(resolveHttpClient(httpClientSchema.parse(doc), 'x.http_config', timeoutMs, env));

describe('http_config', () => {
  const seen: Seen[] = [];
  let plain: Awaited<ReturnType<typeof listenLocal>>;
  let secure: Awaited<ReturnType<typeof listenLocal>>;
  beforeAll(async () => {
    plain = await listenLocal(createHttpServer(echo(seen)));
    secure = await listenLocal(
      createHttpsServer(
        {
          cert: readFileSync(certs.serverCertFile),
          key: readFileSync(certs.serverKeyFile),
          ca: readFileSync(certs.caFile),
          requestCert: true,
          rejectUnauthorized: false,
        },
        echo(seen),
      ),
    );
  });
  afterAll(async () => {
    await plain.close();
    await secure.close();
  });
  beforeEach(() => seen.splice(0));

  it('sends bearer credentials and custom headers from secrets', async () => {
    const c = client(
      {
        authorization: { credentials: { env: 'TOKEN' } },
        http_headers: { 'X-Scope': { values: ['a'], secrets: [{ env: 'SCOPE' }] } },
      },
      { TOKEN: 't0ken', SCOPE: 'b' },
    );
    const res = await c.request(`http://127.0.0.1:${plain.port}/p?q=1`, { body: '{"a":1}' });
    c.close();
    expect(res.status).toBe(201);
    expect(res.header('Retry-After')).toBe('3');
    expect(JSON.parse(res.text)).toEqual({ ok: true });
    expect(seen[0]).toMatchObject({ url: '/p?q=1', body: '{"a":1}' });
    expect(seen[0]?.headers.authorization).toBe('Bearer t0ken');
    expect(seen[0]?.headers['x-scope']).toBe('a, b');
  });

  it('sends basic auth, and form bodies', async () => {
    const c = client({ basic_auth: { username: 'u', password: { env: 'PW' } } }, { PW: 'p' });
    await c.request(`http://127.0.0.1:${plain.port}/f`, { body: new URLSearchParams({ query: 'up' }) });
    c.close();
    expect(seen[0]?.headers.authorization).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(seen[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(seen[0]?.body).toBe('query=up');
  });

  it('trusts the configured CA and presents the client certificate', async () => {
    const c = client({
      tls_config: { ca_file: certs.caFile, cert_file: certs.clientCertFile, key_file: certs.clientKeyFile },
    });
    expect((await c.request(`https://127.0.0.1:${secure.port}/tls`)).status).toBe(201);
    c.close();
    expect(seen[0]?.clientCert).toBe('client');
  });

  it('refuses a server its CA did not sign, unless insecure_skip_verify', async () => {
    const strict = client({});
    await expect(strict.request(`https://127.0.0.1:${secure.port}/`)).rejects.toMatchObject({
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
    });
    strict.close();
    const lax = client({ tls_config: { insecure_skip_verify: true } });
    expect((await lax.request(`https://127.0.0.1:${secure.port}/`)).status).toBe(201);
    lax.close();
  });

  it('checks the certificate against tls_config.server_name, sent as SNI when a name and never when an address', async () => {
    const warned = jest.spyOn(process, 'emitWarning');
    const as = async (serverName: string, url: string) => {
      const c = client({ tls_config: { ca_file: certs.caFile, server_name: serverName } });
      try {
        return (await c.request(url)).status;
      } finally {
        c.close();
      }
    };
    try {
      expect(await as('localhost', `https://127.0.0.1:${secure.port}/`)).toBe(201);
      expect(await as('127.0.0.1', `https://127.0.0.1:${secure.port}/`)).toBe(201);
      // Not the request's host either.
      expect(await as('127.0.0.1', `https://localhost:${secure.port}/`)).toBe(201);
      expect(seen.map((s) => s.sni)).toEqual(['localhost', false, false]);
      // The certificate is for 127.0.0.1 and localhost: it is checked against server_name, not the host.
      for (const name of ['10.1.2.3', 'elsewhere.test']) {
        await expect(as(name, `https://127.0.0.1:${secure.port}/`)).rejects.toMatchObject({
          code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        });
      }
      expect(warned).not.toHaveBeenCalled();
    } finally {
      warned.mockRestore();
    }
  });

  it('ends the requests under way when closed, direct or tunnelled through a proxy', async () => {
    const proxy = await startForwardProxy();
    try {
      const c = client({ proxy_url: proxy.url, tls_config: { ca_file: certs.caFile } }, {}, 30_000);
      const direct = client({ tls_config: { ca_file: certs.caFile } }, {}, 30_000);
      const pending = [
        c.request(`https://127.0.0.1:${secure.port}/slow`),
        c.request(`http://127.0.0.1:${plain.port}/slow`),
        direct.request(`https://127.0.0.1:${secure.port}/slow`),
      ];
      await new Promise((resolve) => setTimeout(resolve, 300));
      const closed = Date.now();
      c.close();
      direct.close();
      for (const outcome of await Promise.allSettled(pending)) {
        expect(outcome).toMatchObject({ status: 'rejected', reason: { code: 'ECANCELED' } });
      }
      expect(Date.now() - closed).toBeLessThan(1000);
    } finally {
      await proxy.close();
    }
  });

  it('goes through a proxy: absolute form for http, a CONNECT tunnel for https, with its credentials', async () => {
    const proxy = await startForwardProxy('pu:pp');
    try {
      const c = client({
        proxy_url: proxy.url.replace('//', '//pu:pp@'),
        tls_config: { ca_file: certs.caFile },
      });
      expect((await c.request(`http://127.0.0.1:${plain.port}/via`)).status).toBe(201);
      expect((await c.request(`https://127.0.0.1:${secure.port}/tunnel`)).status).toBe(201);
      c.close();
      expect(proxy.requests.map((r) => [r.method, r.target])).toEqual([
        ['GET', `http://127.0.0.1:${plain.port}/via`],
        ['CONNECT', `127.0.0.1:${secure.port}`],
      ]);
      expect(seen.map((s) => s.url)).toEqual(['/via', '/tunnel']);
      const refused = client({ proxy_url: proxy.url, tls_config: { ca_file: certs.caFile } });
      expect((await refused.request(`http://127.0.0.1:${plain.port}/`)).status).toBe(407);
      await expect(refused.request(`https://127.0.0.1:${secure.port}/`)).rejects.toMatchObject({
        code: 'EPROXY',
      });
      refused.close();
    } finally {
      await proxy.close();
    }
  });

  it("checks a tunnelled server's certificate against the target, not the proxy", async () => {
    // The certificate is for 127.0.0.1 and localhost; the proxy is at 127.0.0.1, the server at 127.0.0.2.
    const other = createHttpsServer(
      { cert: readFileSync(certs.serverCertFile), key: readFileSync(certs.serverKeyFile) },
      echo(seen),
    );
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.2', resolve));
    const proxy = await startForwardProxy();
    const { port } = other.address() as AddressInfo;
    try {
      for (const proxy_url of [undefined, proxy.url]) {
        const c = client({ proxy_url, tls_config: { ca_file: certs.caFile } });
        await expect(c.request(`https://127.0.0.2:${port}/`)).rejects.toMatchObject({
          code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        });
        c.close();
      }
      // Named in server_name, the certificate's own address is accepted through the tunnel.
      const named = client({
        proxy_url: proxy.url,
        tls_config: { ca_file: certs.caFile, server_name: '127.0.0.1' },
      });
      expect((await named.request(`https://127.0.0.2:${port}/`)).status).toBe(201);
      named.close();
      expect(seen).toHaveLength(1);
    } finally {
      await proxy.close();
      other.close();
    }
  });

  it('closes a kept-alive connection left idle for 4 s, though the server would keep it far longer', async () => {
    const server = createHttpServer(echo([]));
    server.keepAliveTimeout = 60_000;
    const open = new Set<unknown>();
    server.on('connection', (socket) => {
      open.add(socket);
      socket.on('close', () => open.delete(socket));
    });
    const local = await listenLocal(server);
    try {
      const idle = client({});
      const url = `http://127.0.0.1:${local.port}`;
      await idle.request(`${url}/a`);
      await idle.request(`${url}/b`);
      expect(open.size).toBe(1); // kept alive between the two
      const since = performance.now();
      await waitFor('the idle connection to close', async () => open.size === 0 || undefined, {
        timeoutMs: 8000,
      });
      expect(performance.now() - since).toBeGreaterThan(3000);
    } finally {
      await local.close();
    }
  });

  it('stops reading an answer past its size limit and fails with ETOOLARGE, the process unharmed', async () => {
    // Writes 64 KiB chunks for as long as the client reads them.
    const endless = createHttpServer((_req, res) => {
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const more = () => {
        while (res.write(chunk));
      };
      res.on('drain', more);
      more();
    });
    const local = await listenLocal(endless);
    try {
      const big = client({});
      await expect(
        big.request(`http://127.0.0.1:${local.port}/`, { maxBytes: 1 << 20 }),
      ).rejects.toMatchObject({
        code: 'ETOOLARGE',
        message: `the answer from 127.0.0.1:${local.port} is larger than 1048576 bytes`,
      });
      big.close();
    } finally {
      await local.close();
    }
  });

  it('gives up after the timeout as fetch does (TimeoutError, ETIMEDOUT)', async () => {
    const c = client({}, {}, 300);
    await expect(c.request(`http://127.0.0.1:${plain.port}/slow`)).rejects.toMatchObject({
      name: 'TimeoutError',
      code: 'ETIMEDOUT',
    });
    c.close();
  });

  it('refuses an https:// proxy, which it would talk plain HTTP to, and says what to give', () => {
    const problem = (proxy_url: string) =>
      httpClientSchema.safeParse({ proxy_url }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(problem('https://egress.example.com:3128')).toEqual([
      'proxy_url: an https:// proxy is not supported: give the proxy as http://host:port; the connection to the target is still TLS through CONNECT',
    ]);
    expect(problem('HTTPS://egress.example.com:3128')).toHaveLength(1);
    expect(problem('ftp://egress.example.com')).toEqual(['proxy_url: must be an http:// URL']);
    expect(problem('http://egress.example.com:3128')).toBeUndefined();
  });

  it('names the key of a missing secret or file and refuses two kinds of auth', () => {
    const parse = (doc: unknown) => httpClientSchema.safeParse(doc);
    expect(
      parse({
        authorization: { credentials: { env: 'A' } },
        basic_auth: { username: 'u', password: { env: 'B' } },
      }).success,
    ).toBe(false);
    expect(parse({ tls_config: { cert_file: 'c' } }).success).toBe(false);
    expect(parse({ http_headers: { 'bad header': { values: ['x'] } } }).success).toBe(false);
    expect(() =>
      resolveHttpClient(
        httpClientSchema.parse({ authorization: { credentials: { env: 'NOPE' } } }),
        'a.http_config',
        1000,
        {},
      ),
    ).toThrow(ConfigError);
    expect(() =>
      resolveHttpClient(
        httpClientSchema.parse({ tls_config: { ca_file: '/nonexistent/ca' } }),
        'a.http_config',
        1000,
        {},
      ),
    ).toThrow(/a\.http_config\.tls_config\.ca_file: cannot read/);
    // As a key path, which the configuration loader turns into the key's line and column.
    expect(() =>
      resolveHttpClient(
        httpClientSchema.parse({ tls_config: { ca_file: '/nonexistent/ca' } }),
        'a.channels[0].http_config',
        1000,
        {},
      ),
    ).toThrow(
      expect.objectContaining({
        problems: [
          expect.objectContaining({ path: ['a', 'channels', 0, 'http_config', 'tls_config', 'ca_file'] }),
        ],
      }),
    );
  });
});
