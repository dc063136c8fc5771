import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { DASHBOARDS_DIR, dashboards } from '../dashboards/src/index';

/**
 * provisioning/grafana as Grafana reads it in docker-compose.yml (no Grafana runs here): which folder the
 * dashboard provider reads, and what the variables of its files resolve to in the grafana service.
 */
const ROOT = join(__dirname, '..', '..');
const GRAFANA_DIR = join(ROOT, 'provisioning', 'grafana');
/** Where the Grafana image looks for provisioning files, its GF_PATHS_PROVISIONING. */
const IMAGE_PROVISIONING = '/etc/grafana/provisioning';

const compose = yaml.load(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { volumes?: string[]; environment?: Record<string, string> }>;
};
const grafana = compose.services.grafana;
const environment: Record<string, string> = {
  GF_PATHS_PROVISIONING: IMAGE_PROVISIONING,
  ...grafana?.environment,
};

const yamlFiles = readdirSync(GRAFANA_DIR, { recursive: true, encoding: 'utf8' }).filter((f) =>
  /\.ya?ml$/.test(f),
);
const load = <T>(file: string) => yaml.load(readFileSync(join(GRAFANA_DIR, file), 'utf8')) as T;

interface PluginJson {
  id: string;
  type: string;
  routes?: { url?: string; headers?: { content: string }[] }[];
}
/** Our Grafana plugins, as their plugin.json declares them. */
const plugins = readdirSync(join(ROOT, 'grafana-plugins'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .flatMap((e) => {
    const file = join(ROOT, 'grafana-plugins', e.name, 'src', 'plugin.json');
    return existsSync(file) ? [JSON.parse(readFileSync(file, 'utf8')) as PluginJson] : [];
  });

/** A value as Grafana expands it ($VAR or ${VAR}), by default with the grafana service's environment. */
const expand = (value: string, env = environment) =>
  value.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a?: string, b?: string) => env[(a ?? b) as string] ?? '');

/** The host folder (relative to the repository) that compose mounts at a path in the grafana container. */
function hostPath(containerPath: string): string | undefined {
  for (const volume of grafana?.volumes ?? []) {
    const [source, target] = volume.split(':') as [string, string];
    if (source.startsWith('.') && (containerPath === target || containerPath.startsWith(`${target}/`)))
      return join(source, containerPath.slice(target.length));
  }
  return undefined;
}

describe('provisioning/grafana', () => {
  it('sets every variable its files use in the grafana service of docker-compose.yml', () => {
    // Grafana expands variables in the values it parsed, so comments do not count.
    const strings = (node: unknown): string[] =>
      typeof node === 'string'
        ? [node]
        : node && typeof node === 'object'
          ? Object.values(node).flatMap(strings)
          : [];
    const unset = yamlFiles.flatMap((file) =>
      strings(load(file))
        .flatMap((value) => [...value.matchAll(/\$\{(\w+)\}|\$(\w+)/g)].map((m) => (m[1] ?? m[2]) as string))
        .filter((name) => !(name in environment))
        .map((name) => `${file}: ${name}`),
    );
    expect(unset).toEqual([]);
  });

  it('has Grafana read the generated dashboards from the folder where they are generated', () => {
    const { providers } = load<{ providers: { type: string; options: { path: string } }[] }>(
      'dashboards/vigil.yml',
    );
    expect(providers.map((p) => p.type)).toEqual(['file']);
    const path = providers[0]?.options.path as string;
    const mounted = hostPath(expand(path));
    expect(mounted && join(ROOT, mounted)).toBe(DASHBOARDS_DIR);
    // npm run stack runs Grafana with GF_PATHS_PROVISIONING set to provisioning/grafana itself.
    expect(expand(path, { GF_PATHS_PROVISIONING: GRAFANA_DIR })).toBe(DASHBOARDS_DIR);
  });

  it('enables the incidents app with the receiver URL and the API token of the environment', () => {
    const { apps } = load<{ apps: Record<string, unknown>[] }>('plugins/vigil-incidents-app.yml');
    const app = apps.find((a) => a.type === 'vigil-incidents-app');
    expect(app?.disabled).toBe(false);
    const jsonData = app?.jsonData as { url: string };
    const secure = app?.secureJsonData as { apiToken: string };
    expect(expand(jsonData.url)).toBe('http://alert-webhook:9096');
    expect(new URL(expand(jsonData.url)).hostname in compose.services).toBe(true);
    // The token only ever comes from .env, through compose's environment.
    expect(secure.apiToken).toBe('${VIGIL_API_TOKEN}');
    expect(environment.VIGIL_API_TOKEN).toMatch(/^\$\{VIGIL_API_TOKEN[:?}]/);
  });

  it('shows our panels only through panel plugins of grafana-plugins/', () => {
    const ours = new Set(plugins.filter((p) => p.type === 'panel').map((p) => p.id));
    const used = dashboards().flatMap((d) => (d.panels ?? []).map((p) => p.type));
    expect(used).toContain('vigil-healthscore-panel');
    expect(used.filter((type) => type.startsWith('vigil-') && !ours.has(type))).toEqual([]);
  });

  it("provisions exactly the settings that the app plugin's routes read", () => {
    const { apps } = load<{ apps: { type: string; jsonData: object; secureJsonData: object }[] }>(
      'plugins/vigil-incidents-app.yml',
    );
    for (const app of apps) {
      const plugin = plugins.find((p) => p.id === app.type && p.type === 'app');
      expect(plugin).toBeDefined();
      const templates = JSON.stringify(plugin?.routes ?? []);
      const read = (kind: string) =>
        [...new Set([...templates.matchAll(new RegExp(`\\.${kind}\\.(\\w+)`, 'g'))].map((m) => m[1]))].sort();
      expect(read('JsonData')).toEqual(Object.keys(app.jsonData).sort());
      expect(read('SecureJsonData')).toEqual(Object.keys(app.secureJsonData).sort());
    }
  });
});
