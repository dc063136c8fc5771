import { redisServerBinary } from './binaries';
import { tempDir } from './files';
import { freePort } from './ports';
import { startProcess, type RunningProcess } from './process';

export interface RedisOptions {
  /** requirepass: AUTH with this password (user "default"). */
  password?: string;
  /** Serve TLS only, with this certificate and key (PEM files); clients need no certificate. */
  tls?: { certFile: string; keyFile: string };
  /** maxmemory, e.g. '64mb' (a cache's bound, which redis_memory_max_bytes reports); default none. */
  maxmemory?: string;
}

export interface Redis extends RunningProcess {
  host: string;
  port: number;
  /** redis://host:port, or rediss:// with TLS. */
  url: string;
}

/** A throwaway redis-server on a free loopback port, persisting nothing; stop() removes its directory. */
export async function startRedis(options: RedisOptions = {}): Promise<Redis> {
  const binary = redisServerBinary();
  const { dir, cleanup } = tempDir('vigil-redis-');
  try {
    const port = await freePort();
    const listen = options.tls
      ? ['--port', '0', '--tls-port', String(port), '--tls-auth-clients', 'no']
      : ['--port', String(port)];
    if (options.tls)
      listen.push('--tls-cert-file', options.tls.certFile, '--tls-key-file', options.tls.keyFile);
    const server = await startProcess(
      binary,
      [
        ...listen,
        ...['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
        ...(options.password ? ['--requirepass', options.password] : []),
        ...(options.maxmemory ? ['--maxmemory', options.maxmemory, '--maxmemory-policy', 'allkeys-lru'] : []),
      ],
      { name: 'redis-server', cleanup, ready: /Ready to accept connections/ },
    );
    const url = `${options.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`;
    return Object.assign(server, { host: '127.0.0.1', port, url });
  } catch (err) {
    cleanup();
    throw err;
  }
}
