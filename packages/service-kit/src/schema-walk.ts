import type { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  left?: z.ZodType;
  right?: z.ZodType;
  getter?: () => z.ZodType;
}

const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** The object schemas a schema can be, looking through wrappers (optional, default, transforms, unions). */
function objects(schema: z.ZodType, depth = 0): Def[] {
  if (depth > 20) return [];
  const def = defOf(schema);
  switch (def.type) {
    case 'object':
      return [def];
    case 'union':
      return (def.options ?? []).flatMap((o) => objects(o, depth + 1));
    case 'intersection':
      return [...objects(def.left as z.ZodType, depth + 1), ...objects(def.right as z.ZodType, depth + 1)];
    case 'lazy':
      return objects((def.getter as () => z.ZodType)(), depth + 1);
    case 'pipe':
      return objects(def.in as z.ZodType, depth + 1);
    default:
      return def.innerType ? objects(def.innerType, depth + 1) : [];
  }
}

/** The schemas found at a key path of a document (several where a union could match). */
function at(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType[] {
  let current = [schema];
  for (const key of path) {
    current = current.flatMap((s) => {
      const unwrapped = unwrap(s);
      const def = defOf(unwrapped);
      if (def.type === 'array' && typeof key === 'number') return [def.element as z.ZodType];
      if (def.type === 'record') return [def.valueType as z.ZodType];
      return objects(unwrapped).flatMap((o) =>
        o.shape && String(key) in o.shape ? [o.shape[String(key)]!] : [],
      );
    });
  }
  return current;
}

function unwrap(schema: z.ZodType, depth = 0): z.ZodType {
  const def = defOf(schema);
  if (depth > 20) return schema;
  if (def.type === 'pipe') return unwrap(def.in as z.ZodType, depth + 1);
  if (def.type === 'lazy') return unwrap((def.getter as () => z.ZodType)(), depth + 1);
  if (def.innerType && def.type !== 'object') return unwrap(def.innerType, depth + 1);
  return schema;
}

/** The keys an object at this path may have: what a misspelt key is compared with. */
export function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const keys = new Set<string>();
  for (const s of at(schema, path))
    for (const o of objects(s)) for (const k of Object.keys(o.shape ?? {})) keys.add(k);
  return [...keys];
}

/**
 * The document with each key written without a value (`retention:` whose lines are all commented out, which
 * YAML reads as null) left out where the schema lets that key be absent: it then takes its defaults, as an
 * empty section does in Prometheus's and Alertmanager's files. Where a value is required, the null stays
 * and is refused by name.
 */
export function withoutEmptyKeys(schema: z.ZodType, doc: unknown, path: PropertyKey[] = []): unknown {
  if (Array.isArray(doc)) return doc.map((item, i) => withoutEmptyKeys(schema, item, [...path, i]));
  // Plain mappings only: a Date (a YAML timestamp) or any other value is left as it is.
  const proto: unknown = doc === null || typeof doc !== 'object' ? undefined : Object.getPrototypeOf(doc);
  if (proto !== Object.prototype && proto !== null) return doc;
  return Object.fromEntries(
    Object.entries(doc as Record<string, unknown>).flatMap(([key, value]) => {
      const here = [...path, key];
      if (value === null && at(schema, here).some((s) => s.safeParse(undefined).success)) return [];
      return [[key, withoutEmptyKeys(schema, value, here)]];
    }),
  );
}
