import { subscribe } from 'node:diagnostics_channel';
import type { Request } from 'express';

const ROUTE = Symbol('vigil.routeTemplate');
const MOUNTS = Symbol('vigil.mounts');

/** A mount the request went through: its path as sent and as a template, `settled` once from its pattern. */
interface Mount {
  concrete: string;
  template: string;
  settled: boolean;
}
export type Tracked = Request & { [ROUTE]?: string; [MOUNTS]?: Mount[] };

/** The matched route's template with its mount paths, e.g. "/orgs/:org/items/:id"; undefined if none matched. */
export const routeTemplate = (req: Tracked): string | undefined => req[ROUTE];

/** A mount's pattern as a label part: as written, without the trailing slash matching ignores. */
const patternText = (pattern: unknown): string =>
  typeof pattern === 'string' ? pattern.replace(/\/+$/, '') : String(pattern);

/**
 * Express's router (2.3 and later) publishes each middleware and router it calls on this tracing channel,
 * with the pattern it was mounted at ("/api/v:version"): the request holds only the path as sent. The first
 * layer called after a mount's prefix was trimmed is the one mounted there, so its pattern makes the mount's
 * template.
 */
function onLayer({ req, route }: { req: Tracked; route?: unknown }): void {
  const mounts = req[MOUNTS] ?? [];
  const top = mounts[mounts.length - 1];
  if (!top || top.settled) return;
  top.template = (mounts[mounts.length - 2] as Mount).template + patternText(route);
  top.settled = true;
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Where `value` (a param's segments) stands in `segments` by `fits`, searching from the end; -1 if nowhere. */
function lastRun(
  segments: string[],
  value: string[],
  taken: boolean[],
  fits: (segment: string, v: string) => boolean,
): number {
  for (let i = segments.length - value.length; i >= 0; i--) {
    if (value.every((v, k) => !taken[i + k] && fits(decoded(segments[i + k] as string), v))) return i;
  }
  return -1;
}

/**
 * A mount path as the client spelt it ("/orgs/acme", "/API", "/files/a/b") back into a template, for a mount
 * whose pattern is unknown (mounted before the middleware saw the request, or no pattern published): the segment
 * holding a param's value becomes ":name", those a wildcard matched (Express 5 gives them as an array) one
 * "*name", the others are lower-cased (mount paths match case-insensitively). Each param takes its last
 * match, as a mount's params follow its fixed segments ("/orgs/orgs" is "/orgs/:org"); a value that is only
 * part of a segment ("v1" of "/v:version") makes the whole segment ":name", as the fixed part cannot be told
 * from the value. Either way the label takes one value per mount, not one per org, path or spelling.
 */
function templateOf(part: string, params: Request['params'] | undefined): string {
  const segments = part.split('/');
  const out: (string | undefined)[] = segments.map((segment) => segment.toLowerCase());
  const taken = segments.map(() => false);
  for (const [name, value] of Object.entries(params ?? {})) {
    const run = Array.isArray(value) ? value.map(String) : typeof value === 'string' && value ? [value] : [];
    if (run.length === 0) continue;
    let at = lastRun(segments, run, taken, (segment, v) => segment === v);
    if (at < 0 && run.length === 1) at = lastRun(segments, run, taken, (segment, v) => segment.includes(v));
    if (at < 0) continue;
    run.forEach((_, k) => {
      taken[at + k] = true;
      out[at + k] = undefined;
    });
    out[at] = `${Array.isArray(value) ? '*' : ':'}${name}`;
  }
  return out.filter((segment) => segment !== undefined).join('/');
}

/**
 * The template of what was mounted before the middleware first saw the request, whose patterns it did not
 * see: in a sub-app, the patterns it was mounted at (app.path()); elsewhere the path as sent, with the
 * params it holds placed.
 */
function mountedBefore(req: Tracked, baseUrl: string): string {
  const appPath = req.app.path();
  return appPath ? patternText(appPath) : templateOf(baseUrl, req.params);
}

/** Whether onLayer is subscribed: once, when the first request is tracked. */
let listening = false;

/**
 * Records the matched route's template when Express assigns req.route, with the templates of the mounts it
 * went through. Each router that takes the request assigns req.baseUrl (the mount paths as sent); a longer
 * one is a new mount, whose template comes from its pattern (see onLayer), or from the path as sent where
 * the router publishes no patterns. Reading at assignment, rather than when the response ends, keeps the
 * mount path, which Express has already unwound by the time an app-level error handler answers. A request
 * already tracked (a mounted sub-app using the middleware too) is left as it is.
 */
export function trackRoute(req: Tracked): void {
  if (req[MOUNTS]) return;
  if (!listening) {
    subscribe('tracing:express.router.request:start', onLayer as (message: unknown) => void);
    listening = true;
  }
  let baseUrl = req.baseUrl ?? '';
  // The app's root, then what was mounted before: left, as any mount, when Express unwinds baseUrl.
  const mounts: Mount[] = [{ concrete: '', template: '', settled: true }];
  if (baseUrl) mounts.push({ concrete: baseUrl, template: mountedBefore(req, baseUrl), settled: true });
  req[MOUNTS] = mounts;
  const top = () => mounts[mounts.length - 1] as Mount;
  Object.defineProperty(req, 'baseUrl', {
    configurable: true,
    enumerable: true,
    get: () => baseUrl,
    set(value: unknown) {
      const next = String(value ?? '');
      const within = (c: string) => c === '' || next === c || next.startsWith(`${c}/`);
      while (!within(top().concrete)) mounts.pop();
      const { concrete, template } = top();
      if (next.length > concrete.length && within(concrete)) {
        mounts.push({
          concrete: next,
          template: template + templateOf(next.slice(concrete.length), req.params),
          settled: false,
        });
      }
      baseUrl = next;
    },
  });
  let route: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: { path?: unknown } | undefined) {
      route = value;
      if (value?.path === undefined) return;
      // A router's own root ("/") is its mount path, as "/api" and "/api/" reach the same route.
      const { template } = top();
      const path = String(value.path);
      req[ROUTE] = path === '/' && template !== '' ? template : `${template}${path}`;
    },
  });
}
