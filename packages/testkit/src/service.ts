import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startProcess, type RunningProcess } from './process';

const TSC = require.resolve('typescript/bin/tsc');

export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * One of Vigil's services as users run it: the package compiled, its main run by node. Tests of the
 * operational basics (flags, --check-config, reload, ports) use it so each service is tried the same way.
 */
export interface CompiledService {
  readonly main: string;
  /** Compiles the package (tsc -b), so the tests run what users run. */
  build(): void;
  /** Runs main with `args` to its end. */
  run(args: string[]): Promise<CommandResult>;
  /** Starts main with `args`, resolving once `<url>/readyz` answers. */
  start(args: string[], url: string, name: string): Promise<RunningProcess>;
}

export function compiledService(packageDir: string): CompiledService {
  const main = join(packageDir, 'dist', 'src', 'main.js');
  return {
    main,
    build: () => execFileSync(process.execPath, [TSC, '-b', packageDir], { stdio: 'inherit' }),
    run: (args) =>
      new Promise((resolve) => {
        const child = execFile(
          process.execPath,
          [main, ...args],
          { encoding: 'utf8' },
          (_err, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }),
        );
      }),
    start: (args, url, name) =>
      startProcess(process.execPath, [main, ...args], { name, ready: `${url}/readyz` }),
  };
}

/** The endpoints every Vigil service serves, at `url`. */
export function serviceEndpoints(url: string) {
  const metrics = async () => (await fetch(`${url}/metrics`)).text();
  return {
    metrics,
    /** Until /metrics matches `pattern`; fails at once, with its output, if `proc` exits first. */
    metricsShow: (proc: RunningProcess, pattern: RegExp) =>
      proc.waitFor(`${pattern} in /metrics`, async () => (pattern.test(await metrics()) ? true : undefined)),
    reload: () => fetch(`${url}/-/reload`, { method: 'POST' }),
  };
}

/** The `error` object of a service's JSON error response. */
export const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { message: string; details?: string[] } }).error;
