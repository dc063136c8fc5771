import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer } from 'node:net';

/**
 * A loopback TCP port that was free a moment ago (the OS picks it), for a server that must be told its port
 * or for a port on which nothing listens.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Whether something listens on this loopback port already (binding it fails with EADDRINUSE). */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE' ? resolve(true) : reject(err),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/** `count` distinct free ports: the OS may hand out a port it just gave again, so each is new. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  return ports;
}

type Listenable = { close(cb: () => void): unknown; address(): unknown; listen(...args: unknown[]): unknown };

/** Listens on a random loopback port; resolves to the port and a close() that waits until closed. */
export async function listenLocal(server: Listenable): Promise<{ port: number; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: () => {
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** An HTTP server on a random loopback port, for a test's target or upstream. */
export async function startHttp(handler: RequestListener) {
  const server = createHttpServer(handler);
  const { port, close } = await listenLocal(server);
  return { url: `http://127.0.0.1:${port}`, port, close, server };
}
