import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { compiledService, freePort, startProcess, type RunningProcess } from '@vigil/testkit';

/** The receiver runs from its compiled output, as `npm start` does. */
const compiled = compiledService(join(__dirname, '..'));

/** The compiled entry point, for a run that is not expected to become ready. */
export const receiverMain = compiled.main;

/** Builds the receiver if it is stale. */
export const buildReceiver = () => compiled.build();

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
  const receiver = await startProcess(process.execPath, [compiled.main, '--config', configPath], {
    name: 'receiver',
    env,
    ready: `${url}/readyz`,
    readyTimeoutMs: 20_000,
  });
  return Object.assign(receiver, { url });
}
