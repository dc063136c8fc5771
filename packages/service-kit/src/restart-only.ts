import type { ConfigProblem } from './problems';

/** What every service's configuration has: `server:` (common-keys.ts). */
export interface ListeningConfig {
  server: { listen_address: string; port: number };
}

/**
 * What a reload would change that only a restart can: where the service listens (the socket is bound
 * once) and the sections the service names (alert-webhook's `storage`). Each changed key is named, without
 * its values (a section may hold credentials).
 */
export function restartOnlyProblems<C extends ListeningConfig>(
  running: C,
  next: C,
  sections: readonly (keyof C & string)[] = [],
): ConfigProblem[] {
  const { listen_address, port } = running.server;
  const listen = (['listen_address', 'port'] as const)
    .filter((key) => running.server[key] !== next.server[key])
    .map((key) => ({
      path: ['server', key],
      message: `changing it needs a restart (still serving on ${listen_address}:${port})`,
    }));
  const isListen = (path: (string | number)[]) =>
    path.length === 2 && path[0] === 'server' && (path[1] === 'listen_address' || path[1] === 'port');
  const others = sections
    .flatMap((key) => changedPaths(running[key], next[key], [key]))
    .filter((path) => !isListen(path))
    .map((path) => ({
      path,
      message: 'changing it needs a restart (the reload is refused; the running configuration stays)',
    }));
  return [...listen, ...others];
}

/** The paths of the leaves (values, lists) that differ between two parsed sections. */
function changedPaths(a: unknown, b: unknown, path: (string | number)[]): (string | number)[][] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => changedPaths(a[k], b[k], [...path, k]));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}
