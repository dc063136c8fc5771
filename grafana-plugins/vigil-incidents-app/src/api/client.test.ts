import { of, throwError } from 'rxjs';
import { config, setBackendSrv, type BackendSrv } from '@grafana/runtime';
import { API_BASE } from '../constants';
import { apiUrl, vigil } from './client';

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
