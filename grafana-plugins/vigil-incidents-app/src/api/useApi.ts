import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, toApiError, vigil } from './client';
import type { Caller } from '../types';

export interface ApiState<T> {
  data?: T;
  error?: ApiError;
  /** Loads again (auto-refresh, after an action); the data shown stays until the answer arrives. */
  reload: () => void;
  /** Replaces the data with an answer already at hand (an action returns the updated incident). */
  setData: (data: T) => void;
}

/**
 * Loads whenever `key` changes; only the latest request's answer is kept, so a slow stale one never wins.
 * Data is shown only for the key it was loaded for: after a filter change, the previous filter's rows are
 * not shown under the new filters, neither while loading nor beside an error.
 */
export function useApi<T>(key: string, load: () => Promise<T>): ApiState<T> {
  const [state, setState] = useState<{ key?: string; data?: T; error?: ApiError }>({});
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  const loader = useRef(load);
  loader.current = load;
  const current = useRef(key);
  current.current = key;

  useEffect(() => {
    const seq = ++latest.current;
    loader.current().then(
      (data) => seq === latest.current && setState({ key, data }),
      (err: unknown) =>
        seq === latest.current &&
        setState((s) => ({ ...(s.key === key ? s : {}), key, error: toApiError(err) })),
    );
  }, [key, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const setData = useCallback((data: T) => {
    latest.current++;
    setState({ key: current.current, data });
  }, []);
  const own = state.key === key;
  return { data: own ? state.data : undefined, error: own ? state.error : undefined, reload, setData };
}

/** Who the configured API token is (its role decides which actions the pages offer). */
export function useCaller(): ApiState<Caller> {
  return useApi('whoami', () => vigil<Caller>('/whoami'));
}

/** Calls `reload` every `ms` (0: never) while the browser tab is visible. */
export function useAutoReload(reload: () => void, ms: number) {
  useEffect(() => {
    if (!ms) return;
    const timer = setInterval(() => {
      if (!document.hidden) reload();
    }, ms);
    return () => clearInterval(timer);
  }, [reload, ms]);
}
