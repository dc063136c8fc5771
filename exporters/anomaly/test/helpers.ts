import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, Runtime } from '@vigil/service-kit';

export const silentLog = createLogger('silent');

/** The process, Node.js, build and reload series that the service's /metrics begins with. */
export const testRuntime = () => new Runtime({ name: 'anomaly', metricPrefix: 'anomaly', version: '0.1.0' });

/** What /metrics serves after the runtime's series: the exporter's own. */
export const ownMetrics = (text: string) => text.slice(text.indexOf('# HELP anomaly_up '));

export function tempDir(prefix = 'vigil-anomaly-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

type Closable = { close(cb: () => void): unknown; address(): unknown; listen(...args: unknown[]): unknown };

/** Listens on a random loopback port; resolves to the port and a close() that waits until closed. */
export async function listenLocal(server: Closable): Promise<{ port: number; close: () => Promise<void> }> {
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

/** A port on which nothing listens (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const { port, close } = await listenLocal(createTcpServer());
  await close();
  return port;
}

export async function startHttp(handler: http.RequestListener) {
  const server = http.createServer(handler);
  const { port, close } = await listenLocal(server);
  return { url: `http://127.0.0.1:${port}`, port, close };
}
