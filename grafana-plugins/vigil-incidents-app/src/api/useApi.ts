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

/** Loads whenever `key` changes; only the latest request's answer is kept, so a slow stale one never wins. */
export function useApi<T>(key: string, load: () => Promise<T>): ApiState<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError }>({});
  const [generation, setGeneration] = useState(0);
  const latest = useRef(0);
  const loader = useRef(load);
  loader.current = load;

  useEffect(() => {
    const seq = ++latest.current;
    loader.current().then(
      (data) => seq === latest.current && setState({ data }),
      (err: unknown) => seq === latest.current && setState((s) => ({ ...s, error: toApiError(err) })),
    );
  }, [key, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const setData = useCallback((data: T) => {
    latest.current++;
    setState({ data });
  }, []);
  return { ...state, reload, setData };
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
