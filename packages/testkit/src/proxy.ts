import { createServer, request, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { listenLocal } from './ports';

export interface ProxiedRequest {
  /** CONNECT for a tunnel, else the method of the forwarded request. */
  method: string;
  /** host:port for a tunnel, else the absolute URL asked for. */
  target: string;
  /** The Proxy-Authorization header, if any. */
  authorization?: string;
}

export interface ForwardProxy {
  url: string;
  requests: ProxiedRequest[];
  close: () => Promise<void>;
}

/**
 * A forward HTTP proxy on 127.0.0.1 as squid is one: absolute-form requests are forwarded, CONNECT opens
 * a tunnel. With `credentials` ("user:pass") it answers 407 to requests without them. Every request is kept.
 */
export async function startForwardProxy(credentials?: string): Promise<ForwardProxy> {
  const requests: ProxiedRequest[] = [];
  const expected = credentials && `Basic ${Buffer.from(credentials).toString('base64')}`;
  const allowed = (req: IncomingMessage) => {
    const authorization = req.headers['proxy-authorization'];
    requests.push({
      method: req.method ?? '',
      target: req.url ?? '',
      ...(authorization && { authorization }),
    });
    return !expected || authorization === expected;
  };
  const server = createServer((req, res) => {
    if (!allowed(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="proxy"' }).end();
      return;
    }
    const target = new URL(req.url ?? '');
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: req.method,
        headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, socket, head: Buffer) => {
    if (!allowed(req)) {
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = connect(Number(port), host, () => {
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    socket.on('error', () => upstream.destroy());
  });
  // Tunnels are no longer the server's connections: closing it must end them too.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const { port, close } = await listenLocal(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return close();
    },
  };
}
