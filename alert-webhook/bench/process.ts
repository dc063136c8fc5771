import { join } from 'node:path';
import { spawnProcess, type RunningProcess } from '@vigil/testkit';

/**
 * Runs a compiled script of this package (a path relative to dist/bench) and waits for the port it says it
 * listens on: `{"port":n}` (the baseline server) or the service's `"url":"http://host:n"` (the receiver).
 */
export async function start(
  script: string,
  argv: string[],
): Promise<{ child: RunningProcess; port: number }> {
  const child = spawnProcess(process.execPath, [join(__dirname, script), ...argv], { name: script });
  const [, port, urlPort] = await child.waitForOutput(/"port":(\d+)|"url":"https?:\/\/[^"]*:(\d+)"/);
  return { child, port: Number(port ?? urlPort) };
}
