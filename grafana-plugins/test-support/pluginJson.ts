import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';

/**
 * plugin.schema.json is Grafana's schema for plugin.json, vendored so that tests run offline, from
 * https://github.com/grafana/grafana/blob/main/docs/sources/developers/plugins/plugin.schema.json
 * (Grafana's repository, commit 021371ce6188d520574474e9024feeabd1868ebb).
 */
const schema = JSON.parse(readFileSync(join(__dirname, 'plugin.schema.json'), 'utf8')) as object;
// As Grafana's tooling reads it: the schema has `additionalItems` beside a non-array `items`, which
// strict mode refuses, and escapes such as `\-` in its patterns, which unicode regular expressions refuse.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
const validate = addFormats(ajv).compile(schema);

/**
 * What is wrong with a plugin.json, each problem naming its key path: the schema's complaints, then any
 * logo or screenshot that is not a file beside it (paths are relative to plugin.json, as in dist/).
 * Empty when the file is fine.
 */
export function pluginJsonProblems(path: string): string[] {
  const json = JSON.parse(readFileSync(path, 'utf8')) as {
    info?: { logos?: Record<string, string>; screenshots?: { path?: string }[] };
  };
  const problems = validate(json)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}`);
  const files = [
    ...Object.entries(json.info?.logos ?? {}).map(([key, file]) => [`/info/logos/${key}`, file] as const),
    ...(json.info?.screenshots ?? []).map((s, i) => [`/info/screenshots/${i}/path`, s.path ?? ''] as const),
  ];
  for (const [key, file] of files)
    if (!existsSync(join(dirname(path), file))) problems.push(`${key}: ${file} does not exist`);
  return problems;
}
