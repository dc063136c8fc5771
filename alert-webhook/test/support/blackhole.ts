import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy to PostgreSQL whose `blackhole()` stops passing bytes on the connections it holds without
 * closing them, as a failover or a network cut that sends no reset does; new connections pass, or, with
 * `blackhole('all')`, are held too (the server gone for good).
 */
export async function blackholeProxy(target: number) {
  const held = new Set<Socket>();
  const all = new Set<Socket>();
  let holdNew = false;
  const server = createServer((client) => {
    all.add(client);
    client.on('error', () => undefined);
    if (holdNew) return void client.pause();
    const upstream = connect(target, '127.0.0.1');
    for (const socket of [client, upstream]) {
      held.add(socket);
      all.add(socket);
      socket.on('error', () => undefined);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    blackhole: (which: 'held' | 'all' = 'held') => {
      holdNew = which === 'all';
      for (const socket of held) socket.unpipe().pause();
      held.clear();
    },
    close: () => {
      for (const socket of all) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
