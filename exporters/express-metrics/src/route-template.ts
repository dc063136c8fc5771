import type { Request } from 'express';

const ROUTE = Symbol('vigil.routeTemplate');
export type Tracked = Request & { [ROUTE]?: string };

/** The matched route's template with its mount paths, e.g. "/orgs/:org/items/:id"; undefined if none matched. */
export const routeTemplate = (req: Tracked): string | undefined => req[ROUTE];

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Where `value` (a param's segments) stands in `segments`, searching from the end; -1 if nowhere. */
function lastRun(segments: string[], value: string[], taken: boolean[]): number {
  for (let i = segments.length - value.length; i >= 0; i--) {
    if (value.every((v, k) => !taken[i + k] && decoded(segments[i + k] as string) === v)) return i;
  }
  return -1;
}

/**
 * A mount path as the client spelt it ("/orgs/acme", "/API", "/files/a/b") back into a template: the
 * segment holding a param's value becomes ":name", those a wildcard matched (Express 5 gives them as an
 * array) one "*name", the others are lower-cased (mount paths match case-insensitively). Each param takes
 * its last match, as a mount's params follow its fixed segments ("/orgs/orgs" is "/orgs/:org"). Either way
 * the label takes one value per mount, not one per org, path or spelling.
 */
function templateOf(part: string, params: Request['params'] | undefined): string {
  const segments = part.split('/');
  const out: (string | undefined)[] = segments.map((segment) => segment.toLowerCase());
  const taken = segments.map(() => false);
  for (const [name, value] of Object.entries(params ?? {})) {
    const run = Array.isArray(value) ? value.map(String) : typeof value === 'string' && value ? [value] : [];
    const at = run.length > 0 ? lastRun(segments, run, taken) : -1;
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
 * Records the matched route's template when Express assigns req.route, with the templates of the routers
 * it went through. req.baseUrl holds the mount paths as sent; each router that takes the request assigns
 * it, with req.params then that mount's own params, so the new part is turned into a template there.
 * Reading at assignment, rather than when the response ends, keeps the mount path, which Express has
 * already unwound by the time an app-level error handler answers.
 */
export function trackRoute(req: Tracked): void {
  let baseUrl = req.baseUrl ?? '';
  const mounts = [{ concrete: baseUrl, template: templateOf(baseUrl, req.params) }];
  const top = () => mounts[mounts.length - 1] as { concrete: string; template: string };
  Object.defineProperty(req, 'baseUrl', {
    configurable: true,
    enumerable: true,
    get: () => baseUrl,
    set(value: unknown) {
      const next = String(value ?? '');
      const within = (c: string) => c === '' || next === c || next.startsWith(`${c}/`);
      while (mounts.length > 1 && !within(top().concrete)) mounts.pop();
      const { concrete, template } = top();
      if (next.length > concrete.length && within(concrete)) {
        mounts.push({
          concrete: next,
          template: template + templateOf(next.slice(concrete.length), req.params),
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
