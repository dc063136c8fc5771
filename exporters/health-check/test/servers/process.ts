import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/** A loopback TCP port that was free a moment ago, for servers that must be told their port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Resolves once the child writes a line matching `ready` (stdout or stderr); rejects with its output when
 * it exits first or takes longer than timeoutMs.
 */
export function waitForOutput(child: ChildProcess, ready: RegExp, what: string, timeoutMs = 30_000) {
  let output = '';
  return new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) done();
    };
    const onExit = (code: number | null) =>
      done(new Error(`${what} exited (${code}) before ready:\n${output}`));
    const timer = setTimeout(
      () => done(new Error(`${what} not ready after ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  });
}

/** Stops a child with `signal` and waits for it to exit (SIGKILL if it lingers). */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
