import { join } from 'node:path';
import { spawnProcess, type RunningProcess } from '@vigil/testkit';

/** Runs a compiled script of this package (a path relative to dist/bench) and waits for the port it prints. */
export async function start(
  script: string,
  argv: string[],
): Promise<{ child: RunningProcess; port: number }> {
  const child = spawnProcess(process.execPath, [join(__dirname, script), ...argv], { name: script });
  const [, port] = await child.waitForOutput(/"port":(\d+)/);
  return { child, port: Number(port) };
}
