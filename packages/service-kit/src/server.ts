import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { webGuard, type WebConfig } from './web-config';

export interface ListenOptions {
  address: string;
  port: number;
  /** The current web configuration (TLS, basic auth); read per request, so a reload takes effect at once. */
  web?: () => WebConfig;
  /** Named in a bind failure: where the address is set, e.g. "server.listen_address and server.port in x.yml". */
  setBy: string;
}

/** How long a connection may sit idle between requests before the server closes it. */
const KEEP_ALIVE_MS = 65_000;

/** A bind failure: names the address, the reason, and the options that set it. */
export class ListenError extends Error {
  override name = 'ListenError';
}

export interface Listening {
  server: Server;
  /** `http://127.0.0.1:9096`, with the port actually bound. */
  url: string;
  /** Applies a reloaded web configuration's certificates to new connections. */
  updateTls(web: WebConfig): void;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes what is left. */
  close(graceMs?: number): Promise<void>;
}

/** Listens, resolving only once bound: "listening" is never logged for a port that was not had. */
export function listen(handler: RequestListener, options: ListenOptions): Promise<Listening> {
  const web = options.web;
  const tls = web?.().tls;
  const guard = web && webGuard(web);
  const listener: RequestListener = guard
    ? (req, res) => {
        void guard(req, res).then((ok) => ok && handler(req, res));
      }
    : handler;
  const server = tls ? createHttpsServer(tls, listener) : createHttpServer(listener);
  // Node closes a connection idle for 5 s, Go's clients (Alertmanager, Prometheus) keep theirs for minutes:
  // a request sent just as the server closes is reset. Idle connections are kept past a minute instead.
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      // "listen EADDRINUSE: address already in use 0.0.0.0:9096" → "address already in use (EADDRINUSE)"
      const reason = err.message.replace(/^\w+ [A-Z]+: /, '').replace(/ \S+:\d+$/, '');
      const where = `${options.address}:${options.port}`;
      reject(new ListenError(`cannot listen on ${where}: ${reason} (${err.code}); set by ${options.setBy}`));
    };
    server.once('error', onError);
    server.listen(options.port, options.address, () => {
      server.off('error', onError);
      const { port } = server.address() as AddressInfo;
      const host = options.address.includes(':') ? `[${options.address}]` : options.address;
      resolve({
        server,
        url: `${tls ? 'https' : 'http'}://${host}:${port}`,
        updateTls: (next) => {
          if (tls && next.tls) (server as ReturnType<typeof createHttpsServer>).setSecureContext(next.tls);
        },
        close: (graceMs = 10_000) =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => server.closeAllConnections(), graceMs);
            timer.unref();
            server.close(() => {
              clearTimeout(timer);
              done();
            });
            server.closeIdleConnections();
          }),
      });
    });
  });
}
