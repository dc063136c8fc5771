import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { z } from 'zod';
// Type-only: the modules themselves are loaded by configModule() below, from source or compiled.
import type { configSchema as alertWebhookSchema } from '../../../alert-webhook/src/config';
import type { configSchema as anomalySchema } from '../../../exporters/anomaly/src/config';
import type { configSchema as healthCheckSchema } from '../../../exporters/health-check/src/config';
import type { configSchema as logsSchema } from '../../../exporters/logs/src/config';
import { buildReference, type Example, type Reference } from './reference';

/** Whether this runs compiled (dist/src/*.js, `npm run config:generate`) or from source (jest). */
const COMPILED = __dirname.includes(join('dist', 'src'));

/** The repository. */
export const ROOT = resolve(__dirname, COMPILED ? '../../../..' : '../../..');

/** Where the reference goes. */
export const DOCS_DIR = join(ROOT, 'docs', 'config');

/** A service that reads one YAML config file. */
export interface Service {
  /** The reference's file names: docs/config/<name>.md and <name>.schema.json. */
  name: string;
  /** Its folder in the repository, which holds src/config.ts, README.md and the example files. */
  dir: string;
  /** The example files in that folder, in the order in which their comments are read. */
  examples: string[];
}

export const SERVICES: Service[] = [
  {
    name: 'alert-webhook',
    dir: 'alert-webhook',
    examples: ['config.example.yml', 'config.postgres.example.yml', 'config.postgres-url.example.yml'],
  },
  {
    name: 'health-check',
    dir: 'exporters/health-check',
    examples: ['config.example.yml', 'config.secrets.example.yml'],
  },
  { name: 'logs', dir: 'exporters/logs', examples: ['config.example.yml', 'config.stdin.example.yml'] },
  {
    name: 'anomaly',
    dir: 'exporters/anomaly',
    examples: ['config.example.yml', 'config.bearer.example.yml', 'config.basic-auth.example.yml'],
  },
];

type ConfigSchema =
  typeof alertWebhookSchema | typeof healthCheckSchema | typeof logsSchema | typeof anomalySchema;

/**
 * A service's src/config.ts: compiled, the modules tsc -b built beside this package (the project
 * references); under jest, their sources, as every test in the repository uses them.
 */
function configModule(service: Service): { configSchema: ConfigSchema } {
  const path = join(ROOT, service.dir, COMPILED ? 'dist/src/config.js' : 'src/config.ts');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the path depends on how this runs
  return require(path) as { configSchema: ConfigSchema };
}

/** The schema a service validates its config file with. */
export function configSchemaOf(service: Service): z.ZodType {
  return configModule(service).configSchema as unknown as z.ZodType;
}

/** A service's example files, read. */
export function examplesOf(service: Service): Example[] {
  return service.examples.map((file) => ({
    file,
    text: readFileSync(join(ROOT, service.dir, file), 'utf8'),
  }));
}

/** A service's reference, from its schema and its example files as they are now. */
export function referenceOf(service: Service, examples = examplesOf(service)): Reference {
  return buildReference(configSchemaOf(service), examples, {
    title: `Vigil ${service.name} configuration`,
    description:
      `Every key with its meaning: docs/config/${service.name}.md, generated (npm run config:generate) ` +
      `from the schema in ${service.dir}/src/config.ts and the comments of the example files.`,
  });
}
