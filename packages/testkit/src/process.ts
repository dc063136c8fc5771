import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { waitFor, WaitTimeout, type WaitOptions } from './wait';

export interface SpawnOptions {
  /** The name in messages; default the command's file name. */
  name?: string;
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Runs it as this user and group (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
  /**
   * Where its stdout and stderr go: collected for output() and for error messages (the default); appended
   * to a file (a long-running component whose log a person reads); ours ('inherit'); nowhere ('ignore').
   */
  output?: 'collect' | 'inherit' | 'ignore' | { file: string };
  /** The signal stop() sends first; default SIGTERM. */
  stopSignal?: NodeJS.Signals;
  /** Runs once the process is gone, however it ended (e.g. removes its temporary directory). */
  cleanup?: () => void;
}

/** A child process under supervision: its output kept, its end noticed, stopped on request or at exit. */
export interface RunningProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** The file its output is appended to, if any. */
  readonly logFile: string | undefined;
  /** The exit code (or the signal's name) once the process is gone; undefined while it runs. */
  readonly exitStatus: number | string | undefined;
  /** Resolves with exitStatus once the process is gone: its output read, its cleanup run. */
  readonly exited: Promise<number | string>;
  /** What it wrote on stdout and stderr so far (the last MiB of it), when collected. */
  output(): string;
  /** Sends `signal` (default: the stop signal), SIGKILL after graceMs; resolves once the process is gone. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  /** As waitFor, but failing at once, with the process's output, if it exits first. */
  waitFor<T>(what: string, probe: () => Promise<T | undefined>, options?: WaitOptions): Promise<T>;
  /** Until `url` answers 2xx (each try given 1 s); default timeout 30 s. */
  waitForHttp(url: string, options?: WaitOptions): Promise<void>;
  /** Until its collected output matches `pattern` (not /g); resolves with the match. Default timeout 30 s. */
  waitForOutput(pattern: RegExp, options?: WaitOptions): Promise<RegExpExecArray>;
}

const MAX_OUTPUT = 1 << 20;
/** How much of the output an error message quotes. */
const QUOTED_OUTPUT = 16_384;

/** A log file's last QUOTED_OUTPUT characters, or why it could not be read. */
function lastOf(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-QUOTED_OUTPUT);
  } catch (err) {
    return `(unreadable: ${(err as Error).message})`;
  }
}

/** After 'exit', how long to wait for the last output ('close') of a process whose children hold its pipes. */
const CLOSE_WAIT_MS = 200;

/** Every process started here that still runs: stopAll() stops them, and they are killed if we exit. */
const running = new Set<RunningProcess>();
const killAll = () => running.forEach((p) => p.child.kill('SIGKILL'));
function track(proc: RunningProcess): void {
  if (running.size === 0) process.on('exit', killAll);
  running.add(proc);
}
function untrack(proc: RunningProcess): void {
  running.delete(proc);
  if (running.size === 0) process.off('exit', killAll);
}

/** Stops every process started here that still runs (e.g. in a test file's afterAll). */
export async function stopAll(signal?: NodeJS.Signals): Promise<void> {
  await Promise.all([...running].map((p) => p.stop(signal)));
}

/** Starts `command` under supervision (see RunningProcess); throws if it cannot be started at all. */
export function spawnProcess(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
): RunningProcess {
  const name = options.name ?? basename(command);
  const output = options.output ?? 'collect';
  const logFile = typeof output === 'object' ? output.file : undefined;
  const fd = logFile === undefined ? undefined : openSync(logFile, 'a');
  const stdio = fd ?? (output === 'collect' ? 'pipe' : (output as 'inherit' | 'ignore'));
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', stdio, stdio],
    uid: options.uid,
    gid: options.gid,
  });
  if (fd !== undefined) closeSync(fd); // the child holds its own copy
  if (child.pid === undefined) {
    child.once('error', () => undefined); // reported here, not as an unhandled event
    throw new Error(`${name}: could not start ${command}`);
  }

  let collected = '';
  const collect = (chunk: Buffer) => {
    collected += chunk.toString();
    if (collected.length > MAX_OUTPUT) collected = collected.slice(-MAX_OUTPUT);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const tail = () => {
    // The log's end too: a temporary stack's directory, log included, is gone once the test has failed.
    if (logFile !== undefined) return `; see ${logFile}, which ends:\n${lastOf(logFile)}`;
    return collected ? `; its output:\n${collected.slice(-QUOTED_OUTPUT)}` : '';
  };

  let code: number | string | undefined;
  let status: number | string | undefined;
  const exited = new Promise<number | string>((resolve) => {
    const gone = () => {
      if (status !== undefined) return;
      status = code ?? 'unknown';
      untrack(proc);
      try {
        options.cleanup?.();
      } catch {
        // a cleanup that fails leaves files behind; it must not take the test run down with it
      }
      resolve(status);
    };
    child.once('exit', (exitCode, signal) => {
      code = exitCode ?? signal ?? 'unknown';
      setTimeout(gone, CLOSE_WAIT_MS).unref();
    });
    child.once('close', gone);
  });
  child.on('error', () => undefined); // a failed kill(); the exit, if any, is what counts

  const proc: RunningProcess = {
    name,
    child,
    pid: child.pid,
    logFile,
    get exitStatus() {
      return status;
    },
    exited,
    output: () => collected,
    async stop(signal = options.stopSignal ?? 'SIGTERM', graceMs = 10_000) {
      if (status === undefined && code === undefined) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      await exited;
    },
    async waitFor(what, probe, waitOptions = {}) {
      const exitedFirst = () =>
        status === undefined
          ? undefined
          : new Error(`waiting for ${what}: ${name} exited (${status})${tail()}`);
      try {
        return await waitFor(what, probe, {
          ...waitOptions,
          failFast: () => exitedFirst() ?? waitOptions.failFast?.(),
        });
      } catch (err) {
        if (err instanceof WaitTimeout) err.message += tail();
        throw err;
      }
    },
    async waitForHttp(url, waitOptions = {}) {
      await proc.waitFor(
        `${name} at ${url}`,
        async () => {
          const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
          await response.arrayBuffer();
          return response.ok || undefined;
        },
        { timeoutMs: 30_000, ...waitOptions },
      );
    },
    async waitForOutput(pattern, waitOptions = {}) {
      if (output !== 'collect') throw new Error(`${name}: its output is not collected`);
      return proc.waitFor(
        `${pattern} in the output of ${name}`,
        async () => pattern.exec(collected) ?? undefined,
        {
          timeoutMs: 30_000,
          everyMs: 20,
          ...waitOptions,
        },
      );
    },
  };
  track(proc);
  return proc;
}

export interface StartOptions extends SpawnOptions {
  /** Ready once this URL answers 2xx, or once its output matches this pattern. */
  ready: string | RegExp;
  /** Default 30 s. */
  readyTimeoutMs?: number;
}

/**
 * spawnProcess, then waits until the process is ready; if it exits or times out first, stops it and
 * throws, quoting its output.
 */
export async function startProcess(
  command: string,
  args: readonly string[],
  options: StartOptions,
): Promise<RunningProcess> {
  const proc = spawnProcess(command, args, options);
  const waitOptions = { timeoutMs: options.readyTimeoutMs ?? 30_000 };
  try {
    if (typeof options.ready === 'string') await proc.waitForHttp(options.ready, waitOptions);
    else await proc.waitForOutput(options.ready, waitOptions);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return proc;
}
