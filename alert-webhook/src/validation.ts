import type { z } from 'zod';

export interface FieldProblem {
  field: string;
  message: string;
}

/** Zod issues as {field, message}, with each unknown key named as a field of its own. */
export function describeIssues(error: z.ZodError, root = '(root)', max = 20): FieldProblem[] {
  const out: FieldProblem[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        out.push({ field: base ? `${base}.${key}` : key, message: 'unknown field' });
    } else {
      out.push({ field: base || root, message: issue.message });
    }
  }
  return out.slice(0, max);
}

/** A configuration refused: the message names the key path. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
