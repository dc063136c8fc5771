import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { loadConfig as loadAlertWebhook } from '../../../alert-webhook/src/config';
import { loadConfig as loadAnomaly } from '../../../exporters/anomaly/src/config';
import { loadConfig as loadHealthCheck } from '../../../exporters/health-check/src/config';
import { loadConfig as loadLogs } from '../../../exporters/logs/src/config';
import {
  DOCS_DIR,
  examplesOf,
  parseYaml,
  referenceOf,
  ROOT,
  secretSources,
  SERVICES,
  type Service,
} from '../src';

/**
 * Each service's own loader: what its main() does with `--config <file>`. Secrets come from `env`; the
 * exporters read them from the process's environment.
 */
const LOADERS: Record<string, (path: string, env: NodeJS.ProcessEnv) => unknown> = {
  'alert-webhook': (path, env) => loadAlertWebhook(path, env),
  'health-check': (path, env) => withProcessEnv(env, () => loadHealthCheck(path)),
  logs: (path, env) => withProcessEnv(env, () => loadLogs(path)),
  anomaly: (path, env) => withProcessEnv(env, () => loadAnomaly(path)),
};

function withProcessEnv<T>(env: NodeJS.ProcessEnv, run: () => T): T {
  const before = Object.keys(env).map((key) => [key, process.env[key]] as const);
  Object.assign(process.env, env);
  try {
    return run();
  } finally {
    for (const [key, value] of before) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/**
 * A value for each environment variable an example names: URLs where the name says URL, PagerDuty's
 * 32-character integration keys where it says PAGERDUTY, else long keys.
 */
function envFor(names: string[]): NodeJS.ProcessEnv {
  const value = (name: string) =>
    name.endsWith('_URL')
      ? 'https://hooks.example.com/services/T000/B000/test'
      : 'x'.repeat(name.includes('PAGERDUTY') ? 32 : 40);
  return Object.fromEntries(names.map((name) => [name, value(name)]));
}

/** Files the services write (a missing one is their first start), not read: left for them to make. */
const WRITTEN = new Set(['state_file', 'initial_admin_token_file']);

/** Every file an example reads at load: secrets' `file:` and TLS `ca_file:`, wherever they are. */
function filesRead(doc: unknown): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, key?: string): void => {
    if (Array.isArray(value)) value.forEach((v) => visit(v));
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    } else if (
      typeof value === 'string' &&
      (key === 'file' || (key?.endsWith('_file') === true && !WRITTEN.has(key)))
    )
      found.add(value);
  };
  visit(doc);
  return [...found];
}

/**
 * Loads an example with its service's loader, as it would load where its secrets exist: its environment
 * variables set, and the files it names (e.g. /run/secrets/...) made under a temporary directory, the
 * example's paths pointing there.
 */
function loadExample(service: Service, file: string, text: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-config-reference-'));
  try {
    let rewritten = text;
    for (const path of filesRead(parseYaml(text))) {
      const copy = join(dir, 'root', path);
      mkdirSync(dirname(copy), { recursive: true });
      writeFileSync(copy, path.endsWith('.pem') ? '-----BEGIN CERTIFICATE-----\n' : `${'s'.repeat(40)}\n`);
      rewritten = rewritten.split(path).join(copy);
    }
    const path = join(dir, file);
    writeFileSync(path, rewritten);
    LOADERS[service.name]!(path, envFor(secretSources({ file, text }).env));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(SERVICES.map((s) => [s.name, s] as const))('%s example configs', (_name, service) => {
  const examples = examplesOf(service);
  const reference = referenceOf(service, examples);

  it.each(service.examples)("%s loads with the service's own loader", (file) => {
    const example = examples.find((e) => e.file === file)!;
    expect(() => loadExample(service, file, example.text)).not.toThrow();
  });

  it('show every key and every kind of the schema between them, each with a comment', () => {
    const present = new Set<string>();
    for (const example of examples) {
      for (const row of reference.model.locate(parseYaml(example.text)).present) present.add(row);
    }
    const files = service.examples.map((f) => `${service.dir}/${f}`).join(', ');
    const problems = [
      ...reference.rows
        .filter((row) => !present.has(row.path))
        .map((row) => `${row.path}: in none of the examples (add it, with a comment giving its meaning)`),
      ...reference.undescribed
        .filter((path) => present.has(path))
        .map((path) => `${path}: no comment gives its meaning`),
      ...reference.strayComments.map((at) => `${at}: a comment on no key of the schema`),
    ];
    if (problems.length > 0) throw new Error(`${files}:\n${problems.join('\n')}`);
  });

  it.each(service.examples)(
    '%s names its JSON Schema on its first line, and the schema accepts it',
    (file) => {
      const schemaPath = join(DOCS_DIR, `${service.name}.schema.json`);
      const examplePath = join(ROOT, service.dir, file);
      const text = readFileSync(examplePath, 'utf8');
      const modeline = `# yaml-language-server: $schema=${relative(dirname(examplePath), schemaPath)}`;
      expect(text.split('\n')[0]).toBe(modeline);
      const ajv = new Ajv2020({ allErrors: true, strict: true });
      addFormats(ajv);
      const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
      validate(parseYaml(text));
      expect(validate.errors ?? []).toEqual([]);
    },
  );
});

describe('alert-webhook/routing.example.yml', () => {
  it('names its JSON Schema, and is the routing section of config.postgres.example.yml', () => {
    const read = (file: string) => readFileSync(join(ROOT, 'alert-webhook', file), 'utf8');
    const routing = read('routing.example.yml');
    expect(routing.split('\n')[0]).toBe(
      '# yaml-language-server: $schema=../docs/config/alert-webhook.schema.json',
    );
    const section = (text: string) => (parseYaml(text) as { routing: unknown }).routing;
    expect(section(routing)).toEqual(section(read('config.postgres.example.yml')));
  });
});
