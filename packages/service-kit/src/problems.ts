import type { z } from 'zod';
import { knownKeys, withoutEmptyKeys } from './schema-walk';

/** One thing wrong with a configuration: where (key path, and line/column once the file is known) and what. */
export interface ConfigProblem {
  path: readonly PropertyKey[];
  message: string;
  /** The problem is the key itself (an unknown field), not its value. */
  atKey?: boolean;
  /** `file:line:col`, filled in by the file loader. */
  position?: string;
}

/** A configuration refused as a whole; `problems` lists every problem found, each with its key path. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[] | string) {
    const list = typeof problems === 'string' ? [{ path: [], message: problems }] : problems;
    super(list.map(formatProblem).join('; '));
    this.problems = list;
  }
}

/** `services.api.checks[0].url`: keys dotted, list indexes in brackets. */
export function formatPath(path: readonly PropertyKey[], root = '(root)'): string {
  const text = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  return text.replace(/^\./, '') || root;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.path.length > 0 ? `${formatPath(p.path)}: ` : '';
  return `${p.position ? `${p.position}: ` : ''}${where}${p.message}`;
}

/** Levenshtein distance, for "did you mean" on a misspelt key or flag. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/** The closest of `known` to a misspelt `word`, when close enough to be a likely typo. */
export function closest(word: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of known) {
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Zod issues as problems; each unknown key is a problem of its own, with a suggestion when one is close. */
export function describeIssues(error: z.ZodError, schema?: z.ZodType): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = schema ? knownKeys(schema, issue.path) : [];
      for (const key of issue.keys) {
        const guess = closest(key, known);
        out.push({
          path: [...issue.path, key],
          atKey: true,
          message: `unknown field${guess ? ` (did you mean "${guess}"?)` : ''}`,
        });
      }
    } else if (issue.code === 'invalid_key') {
      // A map's key refused: why (its schema's words), not only that it was ("Invalid key in record").
      const why = issue.issues.map((i) => i.message).join('; ');
      out.push({ path: issue.path, atKey: true, message: `not a valid key: ${why}` });
    } else {
      out.push({ path: issue.path, message: issue.message });
    }
  }
  return out;
}

/** A request's problem as the REST APIs report it in `details`: `alerts.0.startsAt`. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** At most `max` of them: a hostile body with thousands of bad fields gets a short answer. */
export function fieldProblems(error: z.ZodError, root = '(root)', max = 20): FieldProblem[] {
  return describeIssues(error)
    .slice(0, max)
    .map((p) => ({ field: p.path.map(String).join('.') || root, message: p.message }));
}

/** Validates a document against a schema; on failure a ConfigError lists every problem with its key path. */
export function validateConfig<T extends z.ZodType>(schema: T, doc: unknown): z.output<T> {
  const result = schema.safeParse(withoutEmptyKeys(schema, doc ?? {}));
  if (result.success) return result.data;
  throw new ConfigError(describeIssues(result.error, schema));
}

/**
 * Problems of independent steps (each secret, each channel), gathered so that one run of --check-config
 * names them all rather than the first.
 */
export class ProblemList {
  readonly problems: ConfigProblem[] = [];

  /** What `step` gives, or undefined with the problems of its ConfigError kept; other errors are thrown. */
  attempt<T>(step: () => T): T | undefined {
    try {
      return step();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.problems.push(...err.problems);
      return undefined;
    }
  }

  /** Throws a ConfigError with every problem kept, if there is one. */
  throwIfAny(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}

/** Runs every step, keeping each one's ConfigError; throws them all together, or gives every result. */
export function allOf<T extends unknown[]>(...steps: { [K in keyof T]: () => T[K] }): T {
  const list = new ProblemList();
  const results = steps.map((step) => list.attempt(step));
  list.throwIfAny();
  return results as T;
}
