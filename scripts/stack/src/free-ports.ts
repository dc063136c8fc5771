import { createServer } from 'node:net';
import { COMPONENTS, type Ports } from './options';

/** A port nobody listens on right now (the OS picks it). */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });

/** A distinct free port for every component, so a test or bench stack never collides with a running one. */
export async function freePorts(): Promise<Ports> {
  const ports: Partial<Ports> = {};
  const taken = new Set<number>();
  for (const c of COMPONENTS) {
    let port = await freePort();
    while (taken.has(port)) port = await freePort(); // the OS may hand out a just-closed port again
    taken.add(port);
    ports[c] = port;
  }
  return ports as Ports;
}
