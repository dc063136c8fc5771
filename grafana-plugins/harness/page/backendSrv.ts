import { from, type Observable } from 'rxjs';
import type { BackendSrv, BackendSrvRequest, FetchError, FetchResponse } from '@grafana/runtime';

/** The query string Grafana's backend service appends for `params` (undefined values left out). */
function withParams(url: string, params: BackendSrvRequest['params']): string {
  const entries = Object.entries((params ?? {}) as Record<string, unknown>).filter(
    ([, v]) => v !== undefined,
  );
  if (entries.length === 0) return url;
  const query = new URLSearchParams(entries.map(([k, v]) => [k, String(v)]));
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

async function send<T>(options: BackendSrvRequest): Promise<FetchResponse<T>> {
  const body = options.data === undefined ? undefined : JSON.stringify(options.data);
  const response = await fetch(withParams(options.url, options.params), {
    method: options.method ?? 'GET',
    headers: { ...(body && { 'Content-Type': 'application/json' }), ...options.headers },
    body,
    credentials: 'same-origin',
  });
  const text = await response.text();
  let data: unknown = text;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text, as Grafana does
  }
  if (!response.ok) {
    const error: FetchError = {
      status: response.status,
      statusText: response.statusText,
      data,
      config: options,
    };
    throw error;
  }
  return {
    data: data as T,
    status: response.status,
    statusText: response.statusText,
    ok: response.ok,
    headers: response.headers,
    redirected: response.redirected,
    type: response.type,
    url: response.url,
    config: options,
  };
}

/**
 * Grafana's backend service over the browser's fetch, for the harness: same request options, same
 * response and error shapes (a FetchError with status and parsed body), so plugin code behaves as in
 * Grafana. Requests go to the harness server, which plays Grafana's HTTP API (plugin proxy, settings).
 */
export function harnessBackendSrv(): BackendSrv {
  const request = <T>(options: BackendSrvRequest) => send<T>(options).then((r) => r.data);
  const withData =
    (method: string) =>
    <T>(url: string, data?: unknown, options?: Partial<BackendSrvRequest>) =>
      request<T>({ ...options, url, method, data });
  return {
    fetch: <T>(options: BackendSrvRequest): Observable<FetchResponse<T>> => from(send<T>(options)),
    request,
    datasourceRequest: send,
    get: <T>(
      url: string,
      params?: BackendSrvRequest['params'],
      _requestId?: string,
      options?: Partial<BackendSrvRequest>,
    ) => request<T>({ ...options, url, params }),
    delete: withData('DELETE'),
    post: withData('POST'),
    patch: withData('PATCH'),
    put: withData('PUT'),
    chunked: () => {
      throw new Error('chunked requests are not part of the harness');
    },
  };
}
