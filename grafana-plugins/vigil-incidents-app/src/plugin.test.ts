import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pluginJsonProblems } from '../../test-support/pluginJson';
import { API_BASE, PLUGIN_ID, ROUTES } from './constants';
import { plugin } from './module';

const PLUGIN_JSON = join(__dirname, 'plugin.json');
const json = JSON.parse(readFileSync(PLUGIN_JSON, 'utf8'));

it("plugin.json is valid for Grafana's plugin.json schema and its logos exist", () => {
  expect(pluginJsonProblems(PLUGIN_JSON)).toEqual([]);
  expect(json).toMatchObject({ id: PLUGIN_ID, type: 'app', dependencies: { grafanaDependency: '>=13.1.1' } });
});

it('proxies `vigil` to jsonData.url with the secure token, reading for viewers and acting (POST, PUT, DELETE) for editors', () => {
  const header = { name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' };
  expect(json.routes).toEqual([
    { path: 'vigil', method: 'GET', reqRole: 'Viewer', url: '{{ .JsonData.url }}', headers: [header] },
    { path: 'vigil', method: 'POST', reqRole: 'Editor', url: '{{ .JsonData.url }}', headers: [header] },
    { path: 'vigil', method: 'PUT', reqRole: 'Editor', url: '{{ .JsonData.url }}', headers: [header] },
    { path: 'vigil', method: 'DELETE', reqRole: 'Editor', url: '{{ .JsonData.url }}', headers: [header] },
  ]);
  expect(API_BASE).toBe(`/api/plugin-proxy/${PLUGIN_ID}/vigil/api/v1`);
});

it('lists a navigation page for each of the app pages the router serves, and the configuration', () => {
  const pages = json.includes
    .filter((i: { type: string }) => i.type === 'page')
    .map((i: { path: string }) => i.path);
  expect(pages).toEqual([
    ROUTES.incidents,
    ROUTES.oncall,
    ROUTES.reports,
    ROUTES.maintenance,
    `/plugins/${PLUGIN_ID}`,
  ]);
});

it('exports the app plugin with its root page and configuration page', () => {
  expect(plugin.root).toBeDefined();
  expect(plugin.configPages?.map((p) => p.id)).toEqual(['configuration']);
});
