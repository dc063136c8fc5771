import { of, throwError } from 'rxjs';
import { config, setBackendSrv, type BackendSrv } from '@grafana/runtime';
import { API_BASE } from '../constants';
import { report } from '../test-support/report';
import { apiUrl, request, vigil } from './client';

const answering = (fetch: () => unknown) => setBackendSrv({ fetch } as unknown as BackendSrv);

describe('vigil, when something other than alert-webhook answers', () => {
  it('refuses an HTML page answered with 200 (a login proxy, a wrong URL), quoting its start', async () => {
    answering(() => of({ data: '<!DOCTYPE html>\n<html><head>', status: 200, ok: true }));
    await expect(vigil('/incidents')).rejects.toThrow(
      `the answer is not alert-webhook's JSON but text starting "<!DOCTYPE html> <html><head>": is the app's URL that of alert-webhook (Configuration page)?`,
    );
  });

  it("points at the app's URL when Grafana's proxy cannot reach it (no URL set, or alert-webhook down)", async () => {
    answering(() => throwError(() => ({ status: 502, data: { message: 'Bad Gateway' } })));
    await expect(vigil('/incidents')).rejects.toThrow(
      "Bad Gateway (HTTP 502): is alert-webhook at the URL on the app's Configuration page?",
    );
  });
});

describe("vigil, when alert-webhook's answer is not the contract's", () => {
  const answer = (data: unknown) => answering(() => of({ data, status: 200, ok: true }));

  it("refuses a report without a field the page reads (an older receiver's), naming it", async () => {
    answer({ ...report, comparison: undefined });
    await expect(vigil('/reports/sla')).rejects.toThrow(
      /^alert-webhook's answer to GET \/api\/v1\/reports\/sla is not what this app expects \(.*comparison: .*expected object.*\): is alert-webhook the version this app was built for\?$/,
    );
  });

  it('names a mistyped field, for actions too', async () => {
    answer({ name: 'ops', role: 42 });
    await expect(vigil('/whoami')).rejects.toThrow(/\(role: /);
    answer({ id: 'seven' });
    await expect(vigil('/incidents/7/acknowledge', { method: 'POST', data: {} })).rejects.toThrow(
      /answer to POST \/api\/v1\/incidents\/7\/acknowledge .*\(id: .*expected number/,
    );
  });

  it('lets through fields it does not know (a newer receiver adds some)', async () => {
    answer({ name: 'ops', role: 'viewer', since: '2026-12-05' });
    await expect(vigil('/whoami')).resolves.toEqual({ name: 'ops', role: 'viewer', since: '2026-12-05' });
  });

  it("checks nothing but alert-webhook's API (Grafana's own settings)", async () => {
    answer({ enabled: 'yes' });
    await expect(request({ url: '/api/plugins/vigil-incidents-app/settings' })).resolves.toEqual({
      enabled: 'yes',
    });
  });
});

describe('apiUrl, for download links', () => {
  const subUrl = config.appSubUrl;
  afterEach(() => (config.appSubUrl = subUrl));

  it('leads through the plugin proxy, with only the parameters given', () => {
    config.appSubUrl = '';
    expect(apiUrl('/incidents.csv', { status: 'triggered', service: '', team: undefined })).toBe(
      `${API_BASE}/incidents.csv?status=triggered`,
    );
  });

  it("keeps Grafana's sub-path (root_url ending in /grafana/), which the browser would not add", () => {
    config.appSubUrl = '/grafana';
    expect(apiUrl('/incidents/7/postmortem.md')).toBe(`/grafana${API_BASE}/incidents/7/postmortem.md`);
  });
});
