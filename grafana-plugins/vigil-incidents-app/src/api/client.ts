import { lastValueFrom } from 'rxjs';
import { config, getBackendSrv, isFetchError, type BackendSrvRequest } from '@grafana/runtime';
import { findOperation, isDocument } from '@vigil/api-contract';
import { API_BASE } from '../constants';

/** A refused or failed request, with the message to show: alert-webhook's own, Grafana's, or the HTTP status. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface VigilErrorBody {
  error?: { code?: string; message?: string; details?: Array<{ field?: string; message?: string }> };
  message?: string;
}

/** alert-webhook answers {"error": {code, message, details}}; Grafana itself (proxy, settings) answers {message}. */
export function toApiError(err: unknown): ApiError {
  if (!isFetchError<VigilErrorBody | string | undefined>(err)) {
    return new ApiError(err instanceof Error ? err.message : String(err));
  }
  const body = typeof err.data === 'object' && err.data !== null ? err.data : undefined;
  const api = body?.error;
  if (api?.message) {
    const details = (api.details ?? [])
      .map((d) => (d.field ? `${d.field}: ${d.message ?? ''}` : (d.message ?? '')))
      .filter(Boolean);
    const message = details.length ? `${api.message} (${details.join('; ')})` : api.message;
    return new ApiError(message, err.status, api.code);
  }
  const fallback = body?.message || err.message || err.statusText || 'request failed';
  // Grafana's proxy could not reach the app's URL: unset, mistyped, or alert-webhook is down.
  const hint = err.status === 502 ? `: is alert-webhook at the URL on the app's Configuration page?` : '';
  return new ApiError(err.status ? `${fallback} (HTTP ${err.status})${hint}` : fallback, err.status);
}

/** One request through Grafana's backend; errors are shown by the page, not by Grafana's toasts. */
export async function request<T>(options: BackendSrvRequest): Promise<T> {
  try {
    const response = await lastValueFrom(
      getBackendSrv().fetch<T>({ showErrorAlert: false, showSuccessAlert: false, ...options }),
    );
    if (typeof response.data === 'string' && response.data !== '') {
      // An HTML page (a login proxy, a wrong URL) where the API answers JSON: said, not rendered as data.
      throw new ApiError(
        `the answer is not alert-webhook's JSON but text starting "${response.data.slice(0, 40).replace(/\s+/g, ' ')}": is the app's URL that of alert-webhook (Configuration page)?`,
        response.status,
      );
    }
    return conforming(options, response.data, response.status);
  } catch (err) {
    throw err instanceof ApiError ? err : toApiError(err);
  }
}

/**
 * An alert-webhook answer checked against the API contract: a receiver of another version may answer
 * otherwise, and a page would then fail deep in its rendering with a TypeError. Fields the contract does
 * not know are let through (a newer receiver may add some); missing or mistyped ones are refused, named.
 */
function conforming<T>(options: BackendSrvRequest, data: T, status: number): T {
  const method = (options.method ?? 'GET').toUpperCase();
  const path = options.url.startsWith(API_BASE) ? `/api/v1${options.url.slice(API_BASE.length)}` : undefined;
  const operation = path === undefined ? undefined : findOperation(method, path);
  if (!operation || isDocument(operation.response)) return data;
  const checked = operation.response.safeParse(data);
  const problems = checked.success
    ? []
    : checked.error.issues.filter((issue) => issue.code !== 'unrecognized_keys');
  if (problems.length === 0) return data;
  const named = problems
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || 'the body'}: ${issue.message}`)
    .join('; ');
  const more = problems.length > 3 ? ` and ${problems.length - 3} more` : '';
  throw new ApiError(
    `alert-webhook's answer to ${method} ${path} is not what this app expects (${named}${more}): is alert-webhook the version this app was built for?`,
    status,
    'unexpected_answer',
  );
}

type Params = Record<string, string | number | undefined>;

const present = (params: Params) =>
  Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== '')) as Record<
    string,
    string | number
  >;

/**
 * The URL of an alert-webhook document (a CSV or Markdown download) through the plugin proxy, for a link:
 * the browser fetches it with the Grafana session, and the proxy adds the API token. Under Grafana's
 * sub-path (root_url /grafana/) when it has one: the browser, not backendSrv, resolves a link.
 */
export function apiUrl(path: string, params: Params = {}): string {
  const query = new URLSearchParams(
    Object.entries(present(params)).map(([k, v]) => [k, String(v)]),
  ).toString();
  return `${config.appSubUrl ?? ''}${API_BASE}${path}${query ? `?${query}` : ''}`;
}

/**
 * A download link's attributes. A target, even _self, keeps Grafana from taking the click for a page of
 * its own (it routes every anchor without one), so the browser downloads the file.
 */
export const DOWNLOAD = { download: true, target: '_self' } as const;

/** A call to alert-webhook's API (path below /api/v1) through the app's plugin-proxy route. */
export function vigil<T>(
  path: string,
  options: { method?: 'GET' | 'POST' | 'PUT'; params?: Params; data?: unknown } = {},
) {
  const params = options.params ? present(options.params) : undefined;
  return request<T>({
    url: `${API_BASE}${path}`,
    method: options.method ?? 'GET',
    params,
    data: options.data,
  });
}
