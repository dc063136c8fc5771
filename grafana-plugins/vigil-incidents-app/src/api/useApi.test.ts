import { act, renderHook, waitFor } from '@testing-library/react';
import { ApiError } from './client';
import { useApi } from './useApi';

describe('useApi', () => {
  it('shows data only for the key it was loaded for: a failed load after a filter change drops the old rows', async () => {
    const answers: Record<string, () => Promise<string[]>> = {
      'status=triggered': () => Promise.resolve(['#1 triggered']),
      'status=resolved': () => Promise.reject(new ApiError('alert-webhook is down', 502)),
    };
    const { result, rerender } = renderHook(({ key }) => useApi(key, answers[key]!), {
      initialProps: { key: 'status=triggered' },
    });
    await waitFor(() => expect(result.current.data).toEqual(['#1 triggered']));
    rerender({ key: 'status=resolved' });
    // Not the previous filter's rows while the new ones load…
    expect(result.current.data).toBeUndefined();
    await waitFor(() => expect(result.current.error?.message).toBe('alert-webhook is down'));
    // …nor beside the error.
    expect(result.current.data).toBeUndefined();
  });

  it('keeps the data shown through a reload of the same key, and beside its error', async () => {
    let fail = false;
    const { result } = renderHook(() =>
      useApi('incidents', () => (fail ? Promise.reject(new ApiError('timeout', 504)) : Promise.resolve([1]))),
    );
    await waitFor(() => expect(result.current.data).toEqual([1]));
    fail = true;
    act(() => result.current.reload());
    expect(result.current.data).toEqual([1]);
    await waitFor(() => expect(result.current.error?.message).toBe('timeout'));
    expect(result.current.data).toEqual([1]);
  });
});
