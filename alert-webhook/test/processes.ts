import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { freePort, startProcess, type RunningProcess } from '@vigil/testkit';

const PACKAGE_DIR = join(__dirname, '..');

/** The receiver runs from its compiled output, as `npm start` does; build it if it is stale. */
export function buildReceiver(): void {
  execFileSync(join(PACKAGE_DIR, '..', 'node_modules', '.bin', 'tsc'), ['-b', PACKAGE_DIR], {
    stdio: 'inherit',
  });
}

export type ReceiverProcess = RunningProcess & { url: string };

/** Starts the receiver (dist/src/main.js) on a free loopback port with the given config document. */
export async function startReceiver(
  dir: string,
  doc: Record<string, unknown>,
  env: NodeJS.ProcessEnv = {},
): Promise<ReceiverProcess> {
  const port = await freePort();
  const configPath = join(dir, 'alert-webhook.yml');
  writeFileSync(
    configPath,
    yaml.dump({
      storage: { sqlite: { path: join(dir, 'vigil.db') } },
      ...doc,
      server: { ...(doc.server as object | undefined), listen_address: '127.0.0.1', port },
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const receiver = await startProcess(
    process.execPath,
    [join(PACKAGE_DIR, 'dist', 'src', 'main.js'), '--config', configPath],
    { name: 'receiver', env, ready: `${url}/readyz`, readyTimeoutMs: 20_000 },
  );
  return Object.assign(receiver, { url });
}
