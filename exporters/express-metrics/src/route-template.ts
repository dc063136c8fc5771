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

/**
 * A mount path as the client spelt it ("/orgs/acme", "/API") back into a template: a segment holding a
 * param's value becomes ":name", the others are lower-cased (mount paths match case-insensitively). Either
 * way the label takes one value per mount, not one per org or per spelling.
 */
function templateOf(part: string, params: Request['params'] | undefined): string {
  const names = Object.entries(params ?? {});
  return part
    .split('/')
    .map((segment) => {
      // Express 5 gives a wildcard's segments as an array: those stay as sent, lower-cased.
      const param = names.find(
        ([, value]) => typeof value === 'string' && value !== '' && value === decoded(segment),
      );
      return param ? `:${param[0]}` : segment.toLowerCase();
    })
    .join('/');
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
      if (value?.path !== undefined) req[ROUTE] = `${top().template}${String(value.path)}`;
    },
  });
}
