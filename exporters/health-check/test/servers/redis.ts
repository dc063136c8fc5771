import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, stopChild, waitForOutput } from './process';

export interface RedisOptions {
  /** requirepass: AUTH with this password (user "default"). */
  password?: string;
  /** Serve TLS only, with this certificate and key (PEM files); clients need no certificate. */
  tls?: { certFile: string; keyFile: string };
}

/** A throwaway redis-server on a free loopback port, persisting nothing. */
export async function startRedis(options: RedisOptions = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-redis-'));
  const port = await freePort();
  const listen = options.tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', options.tls.certFile].concat([
        '--tls-key-file',
        options.tls.keyFile,
        '--tls-auth-clients',
        'no',
      ])
    : ['--port', String(port)];
  const child = spawn(
    'redis-server',
    [
      ...listen,
      ...['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      ...(options.password ? ['--requirepass', options.password] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForOutput(child, /Ready to accept connections/, 'redis-server');
  } catch (err) {
    await stop();
    throw err;
  }
  return { host: '127.0.0.1', port, stop };
}
