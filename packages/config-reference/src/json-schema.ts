import { hostname } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { formatDuration } from '@vigil/service-kit';
import { z } from 'zod';

/** A JSON Schema node, as z.toJSONSchema writes them. */
export type JsonSchema = { [keyword: string]: unknown };

/**
 * Defaults that depend on the machine, written in words: the reference must not change from one machine to
 * the next. The JSON Schema leaves them out; `DEFAULT_TEXT` carries the words to the reference (see rows.ts).
 */
const MACHINE_DEFAULTS: [value: () => unknown, text: string][] = [[hostname, "the machine's hostname"]];
export const DEFAULT_TEXT = 'x-vigil-default-text';

/** Duration units, each with an amount that every duration key of ours accepts (some want at least 1s or 1m). */
const DURATION_PROBES: [unit: string, text: string, ms: number][] = [
  ['ms', '60000ms', 60_000],
  ['s', '60s', 60_000],
  ['m', '1m', 60_000],
  ['h', '1h', 3_600_000],
  ['d', '1d', 86_400_000],
  ['w', '1w', 604_800_000],
  ['y', '1y', 31_536_000_000],
];

/** The units a schema taking a string accepts as a Prometheus-style duration; none when it is not one. */
function durationUnits(schema: z.ZodType): string[] {
  const accepts = ([, text, ms]: (typeof DURATION_PROBES)[number]) => {
    const result = schema.safeParse(text);
    return result.success && result.data === ms;
  };
  // A duration turns "1m" into 60000 and "1h" into 3600000; nothing else of ours does.
  if (!accepts(DURATION_PROBES[2]!) || !accepts(DURATION_PROBES[3]!)) return [];
  return DURATION_PROBES.filter(accepts).map(([unit]) => unit);
}

/**
 * The `pattern` given to duration keys (so that editors flag "5 minutes" and "30m1h"): Prometheus's grammar,
 * units largest first and each at most once, of the units the key takes. And how the reference tells one.
 */
export const durationPattern = (units: string[]) =>
  `^(?!$)${[...DURATION_PROBES]
    .reverse()
    .filter(([unit]) => units.includes(unit))
    .map(([unit]) => `(\\d+${unit})?`)
    .join('')}$`;
export const isDurationPattern = (pattern: unknown) =>
  typeof pattern === 'string' && /^\^\(\?!\$\)(\(\\d\+[a-z]+\)\?)+\$$/.test(pattern);

/** The def of a zod schema: its kind (`type`) and, depending on it, the schemas it wraps and its default. */
interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  defaultValue?: unknown;
}
const defOf = (schema: unknown) => (schema as { _zod: { def: Def } })._zod.def;

/**
 * A default as the file would spell it. z.toJSONSchema leaves out the defaults of keys that transform
 * their input, since a default is the transformed value: durations are milliseconds there. A number where
 * the schema takes a string is such a duration; the caller checks the result by parsing it back.
 */
function asInput(value: unknown, schema: z.ZodType | undefined): unknown {
  if (schema === undefined) return value;
  const def = defOf(schema);
  switch (def.type) {
    case 'pipe':
      return typeof value === 'number' && defOf(def.in).type === 'string'
        ? formatDuration(value)
        : asInput(value, def.in);
    case 'array':
      return Array.isArray(value) ? value.map((v) => asInput(v, def.element)) : value;
    case 'object':
    case 'record':
      if (value === null || typeof value !== 'object') return value;
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, asInput(v, def.shape ? def.shape[k] : def.valueType)]),
      );
    default:
      return def.innerType ? asInput(value, def.innerType) : value;
  }
}

/**
 * The JSON Schema (draft 2020-12) of what a config file may hold: the schema's input side, with every
 * default written as in the file and every duration key given a pattern. Keys that cannot be expressed
 * (e.g. a timestamp that YAML may read as a date) accept anything.
 */
export function inputJsonSchema(schema: z.ZodType): JsonSchema {
  const problems: string[] = [];
  const json = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
    override: ({ zodSchema, jsonSchema, path }) => {
      const node = jsonSchema as JsonSchema;
      const zod = zodSchema as unknown as z.ZodType;
      if (node.type === 'string' && node.pattern === undefined) {
        const units = durationUnits(zod);
        if (units.length > 0) node.pattern = durationPattern(units);
      }
      const def = defOf(zod);
      const machine = MACHINE_DEFAULTS.find(([value]) => isDeepStrictEqual(node.default, value()));
      if (def.type === 'default' && machine) {
        delete node.default;
        node[DEFAULT_TEXT] = machine[1];
        return;
      }
      if ((def.type === 'default' || def.type === 'prefault') && node.default === undefined) {
        const value = asInput(def.defaultValue, def.innerType);
        const expected = zod.safeParse(undefined);
        const parsed = zod.safeParse(value);
        if (expected.success && parsed.success && isDeepStrictEqual(parsed.data, expected.data)) {
          node.default = value;
        } else {
          problems.push(`${path.join('/')}: cannot write the default ${JSON.stringify(def.defaultValue)}`);
        }
      }
    },
  }) as JsonSchema;
  if (problems.length > 0) throw new Error(problems.join('; '));
  // A copy in which no two keys share a node: each gets its own description.
  return JSON.parse(JSON.stringify(json)) as JsonSchema;
}
