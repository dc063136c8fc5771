import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
// prettier's standalone build with its YAML plugin passed in: the main entry loads plugins and config
// files by dynamic import, which jest's CommonJS runtime refuses.
import { format } from 'prettier/standalone';
import * as yamlPlugin from 'prettier/plugins/yaml';
import { RULES_ROOT } from './paths';

const PRETTIER_CONFIG = join(RULES_ROOT, '..', '.prettierrc.json');

/** YAML as the repository's prettier leaves it, so that generated files pass `prettier --check`. */
export async function renderYaml(doc: unknown, header: string): Promise<string> {
  const comment = header
    .split('\n')
    .map((line) => `# ${line}`.trimEnd())
    .join('\n');
  const body = yaml.dump(doc, { noRefs: true, lineWidth: -1 });
  const options = JSON.parse(readFileSync(PRETTIER_CONFIG, 'utf8')) as object;
  return format(`${comment}\n${body}`, { ...options, parser: 'yaml', plugins: [yamlPlugin] });
}
