import { throwError } from 'rxjs';
import { setBackendSrv, type BackendSrv } from '@grafana/runtime';
import { fakeMaintenance } from '../test-support/fakeMaintenance';
import { fakeVigil } from '../test-support/fakeVigil';
import { checkMatchers } from './maintenance';

describe('checkMatchers', () => {
  it("names each bad matcher by its index and the list's own problem, from alert-webhook's 400", async () => {
    fakeMaintenance(fakeVigil().requests);
    expect(await checkMatchers(['service="db"', 'team="'])).toEqual({ byIndex: { 1: expect.any(String) } });
    expect(await checkMatchers(['service!="db"'])).toEqual({
      byIndex: {},
      overall: expect.stringContaining('does not match the empty string'),
    });
    expect(await checkMatchers(['service="db"'])).toEqual({ byIndex: {} });
  });

  it('gives no verdict when the API gives none (a viewer token, a failure)', async () => {
    fakeMaintenance(fakeVigil().requests, { role: 'viewer' });
    expect(await checkMatchers(['service="db"'])).toBeUndefined();
    setBackendSrv({ fetch: () => throwError(() => new Error('network down')) } as unknown as BackendSrv);
    expect(await checkMatchers(['service="db"'])).toBeUndefined();
  });
});
