import { join } from 'node:path';
import { REPO_ROOT } from './paths';

type Processes = typeof import('../../../scripts/stack/src/processes');
type FreePorts = typeof import('../../../scripts/stack/src/free-ports');
type Poll = typeof import('../../../scripts/stack/src/poll');

/**
 * scripts/stack's helpers (starting processes, free ports, polling), loaded from its build: the harness
 * needs `tsc -b` anyway, since alert-webhook also runs from its build.
 */
async function fromStack<T>(module: string): Promise<T> {
  return (await import(join(REPO_ROOT, 'scripts/stack/dist/src', `${module}.js`))) as T;
}

export const processes = () => fromStack<Processes>('processes');
export const freePorts = () => fromStack<FreePorts>('free-ports').then((m) => m.freePorts());
export const poll = () => fromStack<Poll>('poll').then((m) => m.pollUntil);
