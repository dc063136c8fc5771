import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import type { z } from 'zod';

/** A configuration refused as a whole: the message names the file or key path of each problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface FieldProblem {
  field: string;
  message: string;
}

/** `services.api.checks[0].url`: keys dotted, list indexes in brackets. */
export function formatPath(path: readonly PropertyKey[], root = '(root)'): string {
  const text = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  return text.replace(/^\./, '') || root;
}

/** Zod issues as {field, message}, with each unknown key named as a field of its own. */
export function describeIssues(error: z.ZodError, root = '(root)', max = 20): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push({ field: formatPath([...issue.path, key], root), message: 'unknown field' });
    } else {
      out.push({ field: formatPath(issue.path, root), message: issue.message });
    }
  }
  return out.slice(0, max);
}

/** Validates a document against a schema; on failure a ConfigError lists every problem with its key path. */
export function validateConfig<T extends z.ZodType>(
  schema: T,
  doc: unknown,
  what = 'configuration',
): z.output<T> {
  const result = schema.safeParse(doc ?? {});
  if (result.success) return result.data;
  const problems = describeIssues(result.error).map((p) => `${p.field}: ${p.message}`);
  throw new ConfigError(`invalid ${what}: ${problems.join('; ')}`);
}

/** Reads and parses a YAML file; an unreadable file or bad YAML is a ConfigError naming the file. */
export function readYamlFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  try {
    return yaml.load(text, { filename: path });
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid YAML: ${(err as Error).message}`);
  }
}
