import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { listenLocal, startHttp } from '@vigil/testkit';
import { closedPort, selfSignedCert, startDns, startHttps } from '../helpers';

/**
 * The local targets both exporters probe: an HTTP server (200 with Content-Length and Last-Modified, a
 * chunked 200, a redirect, 404, 500, a response slower than any module's timeout), a closed port, a port
 * that accepts and never answers, HTTPS with a self-signed certificate, and a DNS server on a loopback UDP
 * port.
 */
export async function startTargets() {
  const sockets = new Set<Socket>();
  const slow = new Set<ReturnType<typeof setTimeout>>();
  const handler = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
    switch (req.url) {
      case '/ok':
        res.writeHead(200, {
          'Content-Type': 'text/plain',
          'Content-Length': '17',
          'Last-Modified': 'Wed, 21 Oct 2015 07:28:00 GMT',
        });
        return void res.end('{"status": "ok"}\n');
      case '/chunked':
        // Both response types write alike; the union of their signatures is not callable as such.
        (res as ServerResponse).write('abc');
        return void res.end('def');
      case '/redirect':
        res.writeHead(301, { Location: '/ok' });
        return void res.end('moved');
      case '/login':
        res.writeHead(302, { Location: '/needs-cookie', 'Set-Cookie': 'session=abc; Path=/; HttpOnly' });
        return void res.end();
      case '/needs-cookie':
        res.writeHead(/(^|; )session=abc(;|$)/.test(req.headers.cookie ?? '') ? 200 : 403);
        return void res.end('cookie');
      case '/redirect-twice':
        res.writeHead(302, { Location: '/redirect' });
        return void res.end();
      case '/basic':
        // Credentials from the target URL's user info (user:secret).
        res.writeHead(
          req.headers.authorization === `Basic ${Buffer.from('user:secret').toString('base64')}` ? 200 : 401,
        );
        return void res.end('basic');
      case '/big-headers':
        // A policy header past Node's default 16 KiB of headers, as some sites send.
        res.writeHead(200, { 'Content-Security-Policy': `default-src 'self' ${'x'.repeat(20_000)}` });
        return void res.end('big');
      case '/stall-body': {
        // Headers and one byte of the body, then nothing until the probe's timeout has passed.
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        (res as ServerResponse).write('x');
        const timer = setTimeout(() => res.end('late'), 10_000);
        slow.add(timer);
        return;
      }
      case '/404':
        res.writeHead(404);
        return void res.end('not found');
      case '/500':
        res.writeHead(500);
        return void res.end('broken');
      case '/slow': {
        const timer = setTimeout(() => res.end('late'), 10_000);
        slow.add(timer);
        return;
      }
      default:
        res.writeHead(404);
        return void res.end();
    }
  };
  const cert = selfSignedCert(30);
  const web = await startHttp(handler);
  // HTTP/2 over TLS (and HTTP/1.1 for clients that do not offer h2).
  const h2Sessions = new Set<{ destroy(): void }>();
  const h2Server = createSecureServer({ cert: cert.cert, key: cert.key, allowHTTP1: true }, handler);
  h2Server.on('session', (session) => h2Sessions.add(session));
  const h2 = await listenLocal(h2Server);
  web.server.on('connection', (s: Socket) => sockets.add(s));
  const tls = await startHttps(cert, handler);
  const silentSockets = new Set<Socket>();
  const silent = await listenLocal(
    createTcpServer((socket) => {
      silentSockets.add(socket);
      socket.resume();
      socket.on('close', () => silentSockets.delete(socket));
    }),
  );
  // A line-based server: a banner, then an answer to what it is sent.
  const banner = await listenLocal(
    createTcpServer((socket) => {
      socket.write('SSH-2.0-OpenSSH_9.2 vigil\r\n');
      socket.on('data', (d: Buffer) => socket.end(`echo ${d.toString().trim()}\n`));
      socket.on('error', () => undefined);
    }),
  );
  const dns = await startDns({ 'ok.vigil.test': '10.0.0.7', 'db.vigil.test': '10.0.0.8' });
  const closed = await closedPort();
  return {
    http: `127.0.0.1:${web.port}`,
    https: `127.0.0.1:${tls.port}`,
    httpsPort: tls.port,
    h2Port: h2.port,
    silent: `127.0.0.1:${silent.port}`,
    banner: `127.0.0.1:${banner.port}`,
    closed: `127.0.0.1:${closed}`,
    dns: dns.server,
    cert,
    async close() {
      slow.forEach(clearTimeout);
      silentSockets.forEach((s) => s.destroy());
      sockets.forEach((s) => s.destroy());
      h2Sessions.forEach((s) => s.destroy());
      await Promise.all([web.close(), tls.close(), h2.close(), silent.close(), banner.close(), dns.close()]);
      cert.cleanup();
    },
  };
}
