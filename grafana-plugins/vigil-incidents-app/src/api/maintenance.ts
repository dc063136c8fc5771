import { lastValueFrom } from 'rxjs';
import { getBackendSrv, isFetchError } from '@grafana/runtime';
import { API_BASE } from '../constants';
import type { CreateMaintenanceBody, MaintenanceList, MaintenanceWindow } from '@vigil/api-contract';
import { request, vigil } from './client';

export type { MaintenanceWindow };

/** A new window, as the contract takes it (`starts_at` defaults to now). */
export type NewWindow = CreateMaintenanceBody;

export const listWindows = () => vigil<MaintenanceList>('/maintenance');

export const createWindow = (window: NewWindow) =>
  vigil<MaintenanceWindow>('/maintenance', { method: 'POST', data: window });

/** Ends the window now; alert-webhook keeps it for the record. */
export const endWindow = (id: number) =>
  request<MaintenanceWindow>({ url: `${API_BASE}/maintenance/${id}`, method: 'DELETE' });

/** What alert-webhook says of a list of matcher strings: a message per bad one (by index), or for the set. */
export interface MatcherVerdict {
  byIndex: Record<number, string>;
  /** A problem of the list as a whole, e.g. every matcher matching the empty string. */
  overall?: string;
}

// Any instant works: a window ending as it starts is refused whatever the clock says.
const PROBE_AT = '2100-01-01T00:00:00Z';

/**
 * Asks alert-webhook itself whether these matchers would make a window, without making one: a window that
 * ends when it starts is always refused (400, `ends_at: must be after starts_at`), and the same refusal names
 * each bad matcher (`matchers.<i>`) or the list (`matchers`). So the app checks matchers by the receiver's
 * own grammar, never a copy of it. Undefined when the API gives no verdict (no responder token, unreachable).
 */
export async function checkMatchers(matchers: string[]): Promise<MatcherVerdict | undefined> {
  try {
    await lastValueFrom(
      getBackendSrv().fetch({
        url: `${API_BASE}/maintenance`,
        method: 'POST',
        data: { matchers, starts_at: PROBE_AT, ends_at: PROBE_AT },
        showErrorAlert: false,
        showSuccessAlert: false,
      }),
    );
    return undefined;
  } catch (err) {
    if (!isFetchError<{ error?: { details?: Array<{ field?: string; message?: string }> } }>(err)) {
      return undefined;
    }
    if (err.status !== 400) return undefined;
    const verdict: MatcherVerdict = { byIndex: {} };
    for (const { field = '', message = '' } of err.data?.error?.details ?? []) {
      const at = /^matchers\.(\d+)$/.exec(field);
      if (at) verdict.byIndex[Number(at[1])] = message;
      else if (field === 'matchers') verdict.overall = message;
    }
    return verdict;
  }
}
