/**
 * alert-webhook's maintenance endpoints for the tests, in front of fakeVigil's backend (which answers the
 * rest): list, create and delete as alert-webhook/src/api/maintenance.ts does, its matchers judged by the
 * receiver's own parser, its refusals with the same status, code and field names.
 */
import { of, throwError, type Observable } from 'rxjs';
import {
  getBackendSrv,
  setBackendSrv,
  type BackendSrv,
  type BackendSrvRequest,
  type FetchResponse,
} from '@grafana/runtime';
import { API_BASE } from '../constants';
import { matches, parseMatchers } from '../matchers';
import {
  createMaintenanceBody,
  hasRole,
  maintenanceList,
  maintenanceWindow,
  type MaintenanceWindow,
  type Role,
} from '@vigil/api-contract';
import type { Recorded } from './fakeVigil';

type Problem = { field: string; message: string };
const refusal = (status: number, code: string, message: string, details: Problem[] = []) => ({
  status,
  data: { error: { code, message, details } },
});

/** Problems of a create body, as the receiver's schema and checks report them. */
function problems(body: Record<string, unknown>, now: string): Problem[] {
  // The body's shape first, by the contract's schema, as the receiver checks it before the matchers' syntax.
  const shape = createMaintenanceBody.safeParse(body);
  if (!shape.success)
    return shape.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
  const out: Problem[] = [];
  const matchers = (typeof body.matchers === 'string' ? [body.matchers] : body.matchers) as string[];
  const parsed = matchers.flatMap((text, i) => {
    try {
      return parseMatchers(text);
    } catch (err) {
      out.push({ field: `matchers.${i}`, message: (err as Error).message });
      return [];
    }
  });
  if (out.length === 0 && parsed.every((m) => matches(m, {})))
    out.push({
      field: 'matchers',
      message: 'needs at least one matcher that does not match the empty string (e.g. service="db")',
    });
  if (out.length > 0) return out;
  const ends = body.ends_at as string;
  const starts = (body.starts_at as string | undefined) ?? now;
  if (ends <= starts) return [{ field: 'ends_at', message: 'must be after starts_at' }];
  if (ends <= now) return [{ field: 'ends_at', message: 'must be in the future' }];
  return [];
}

export function fakeMaintenance(
  requests: Recorded[],
  options: { windows?: MaintenanceWindow[]; role?: Role; now?: string } = {},
) {
  const windows = options.windows ?? [];
  const role = options.role ?? 'responder';
  const now = options.now ?? new Date().toISOString();
  const inner = getBackendSrv();
  const base = `${API_BASE}/maintenance`;

  function answer(method: string, path: string, data: Record<string, unknown>) {
    if (method === 'GET' && path === '') return { items: windows.filter((w) => w.state !== 'ended') };
    if (!hasRole(role, 'responder'))
      throw refusal(403, 'forbidden', `this action needs the responder role; token is ${role}`);
    if (method === 'POST' && path === '') {
      const found = problems(data, now);
      if (found.length > 0) throw refusal(400, 'invalid_request', 'invalid body', found);
      const created = window({
        id: Math.max(0, ...windows.map((w) => w.id)) + 1,
        matchers: data.matchers as string[],
        starts_at: (data.starts_at as string | undefined) ?? now,
        ends_at: data.ends_at as string,
        comment: (data.comment as string | undefined) ?? '',
      });
      windows.push(created);
      return created;
    }
    const id = /^\/(\d+)$/.exec(path)?.[1];
    const existing = windows.find((w) => String(w.id) === id);
    if (method === 'DELETE' && existing && existing.state !== 'ended') {
      if (existing.source === 'config')
        throw refusal(409, 'defined_in_config', `maintenance window ${id} comes from the configuration file`);
      Object.assign(existing, { deleted_at: now, state: 'ended' });
      return existing;
    }
    throw refusal(404, 'not_found', `maintenance window ${id} does not exist`);
  }

  const fetch = <T>(req: BackendSrvRequest): Observable<FetchResponse<T>> => {
    if (!req.url.startsWith(base)) return inner.fetch<T>(req);
    const method = (req.method ?? 'GET').toUpperCase();
    requests.push({ method, path: req.url.slice(API_BASE.length), data: req.data });
    try {
      const path = req.url.slice(base.length);
      const answered = answer(method, path, req.data);
      // Every answer fits the contract (strictly: no field the receiver does not send).
      (method === 'GET' && path === '' ? maintenanceList : maintenanceWindow).parse(answered);
      const data = JSON.parse(JSON.stringify(answered)) as T;
      return of({ data, status: 200, ok: true, config: req } as FetchResponse<T>);
    } catch (err) {
      return throwError(() => ({ ...(err as object), config: req }));
    }
  };
  setBackendSrv({ ...inner, fetch } as BackendSrv);
  return { windows };
}

/** A window as GET /api/v1/maintenance answers it. */
export function window(overrides: Partial<MaintenanceWindow> = {}): MaintenanceWindow {
  return {
    id: 1,
    name: null,
    source: 'api',
    matchers: ['service="checkout"'],
    starts_at: '2026-12-01T10:00:00.000Z',
    ends_at: '2026-12-01T14:00:00.000Z',
    comment: '',
    created_by: 'alice',
    created_at: '2026-12-01T10:00:00.000Z',
    deleted_at: null,
    state: 'active',
    alertmanager_silence: null,
    ...overrides,
  };
}
