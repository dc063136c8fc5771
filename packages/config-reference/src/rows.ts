import { isDeepStrictEqual } from 'node:util';
import yaml from 'js-yaml';
import { DEFAULT_TEXT, isDurationPattern, type JsonSchema } from './json-schema';

/**
 * One line of the reference: a key of the file, or one kind of a discriminated union (whose own keys
 * follow). Paths read `server.port`, `services.<name>.checks[].name` (`<name>`: any key of a map, `[]`:
 * each item of a list), `services.<name>.checks[kind=http].url` (a key only checks of that kind have).
 */
export interface Row {
  path: string;
  /** `variant`: the entries of a union with one value of the discriminator; `key`: everything else. */
  kind: 'key' | 'variant';
  /** Where the description goes in the JSON Schema (a key shared by all kinds is in each of them). */
  nodes: JsonSchema[];
  type: string;
  required: boolean;
  /** The default as written in the file (YAML), or in words when it depends on the machine. */
  default?: { yaml?: string; words?: string };
  /** For the discriminator of a union: what it selects; the reference describes it itself. */
  selects?: string[];
  /** For a list or map whose entries have the keys of an object met before (a recursive schema). */
  itemsLike?: string;
}

/** A key path in a parsed document: keys and list indexes. */
export type DataPath = (string | number)[];

/** Where a key of a document goes in the reference. */
export interface Placement {
  dataPath: DataPath;
  row: string;
}

interface Union {
  discriminator: string;
  /** Keys every kind has, with the same schema: described once, at `<union>.<key>`. */
  shared: Set<string>;
  byValue: Map<string, JsonSchema>;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
const join = (base: string, key: string) => (base === '' ? key : `${base}.${key}`);
const properties = (node: JsonSchema) => (node.properties ?? {}) as Record<string, JsonSchema>;
const required = (node: JsonSchema) => (node.required ?? []) as string[];

/** `<union>[kind=http]`: the union's entries of one kind (a list's `[]` becomes the selector). */
export function variantPath(base: string, discriminator: string, value: string): string {
  const selector = `[${discriminator}=${value}]`;
  return base.endsWith('[]') ? `${base.slice(0, -2)}${selector}` : `${base}${selector}`;
}

/** A secret reference: `{env: NAME}` or `{file: PATH}`, never the value itself. One type, not two keys. */
export function isSecret(node: JsonSchema): boolean {
  const keys = Object.keys(properties(node)).sort();
  return node.type === 'object' && isDeepStrictEqual(keys, ['env', 'file']);
}

/** A JSON value as a YAML flow scalar or collection, quoted only where YAML would read something else. */
export function flowYaml(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flowYaml).join(', ')}]`;
  if (isPlainObject(value)) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${flowYaml(v)}`)
      .join(', ')}}`;
  }
  if (typeof value === 'string') {
    const plain = /^[^\s[\]{},#&*!|>'"%@`]/.test(value) && !/[:#]\s|\s$/.test(value);
    return plain && yaml.load(value, { schema: yaml.CORE_SCHEMA }) === value ? value : JSON.stringify(value);
  }
  return JSON.stringify(value);
}

/** The JSON Schema of one config file, read as the rows of its reference. */
export class SchemaModel {
  readonly rows = new Map<string, Row>();
  /** Each `$ref` target (a recursive schema) by the path where it first appears. */
  private readonly canonical = new Map<string, string>();
  private readonly unions = new Map<JsonSchema, Union | undefined>();

  constructor(readonly root: JsonSchema) {
    this.children(root, '', undefined);
  }

  /** The node a `$ref` points at (only `#/$defs/...` and `#`, which is what z.toJSONSchema writes). */
  resolve(node: JsonSchema): { target: JsonSchema; ref?: string } {
    const ref = node.$ref;
    if (typeof ref !== 'string') return { target: node };
    if (ref === '#') return { target: this.root, ref };
    const name = /^#\/\$defs\/(.+)$/.exec(ref)?.[1];
    const target = name && (this.root.$defs as Record<string, JsonSchema> | undefined)?.[name];
    if (!target) throw new Error(`cannot resolve ${ref}`);
    return { target, ref };
  }

  /** A discriminated union's parts: the key whose value is a constant in every option, and its options. */
  private union(node: JsonSchema): Union | undefined {
    if (this.unions.has(node)) return this.unions.get(node);
    const options = (node.oneOf ?? []) as JsonSchema[];
    const keys = Object.keys(properties(options[0] ?? {}));
    const discriminator = keys.find((k) => options.every((o) => typeof properties(o)[k]?.const === 'string'));
    let union: Union | undefined;
    if (discriminator !== undefined) {
      const first = properties(options[0] as JsonSchema);
      const shared = keys.filter(
        (k) => k !== discriminator && options.every((o) => isDeepStrictEqual(properties(o)[k], first[k])),
      );
      const byValue = new Map(options.map((o) => [properties(o)[discriminator]!.const as string, o]));
      union = { discriminator, shared: new Set(shared), byValue };
    }
    this.unions.set(node, union);
    return union;
  }

  private add(path: string, node: JsonSchema, fields: Omit<Row, 'path' | 'nodes'>): Row {
    const row = this.rows.get(path);
    if (row) {
      row.nodes.push(node);
      return row;
    }
    const created: Row = { path, nodes: [node], ...fields };
    this.rows.set(path, created);
    return created;
  }

  private key(node: JsonSchema, path: string, isRequired: boolean): void {
    const { target } = this.resolve(node);
    const words = node[DEFAULT_TEXT] ?? target[DEFAULT_TEXT];
    delete node[DEFAULT_TEXT];
    const def =
      typeof words === 'string'
        ? { words }
        : node.default !== undefined
          ? { yaml: flowYaml(node.default) }
          : undefined;
    const row = this.add(path, node, {
      kind: 'key',
      type: this.typeOf(node),
      required: isRequired,
      ...(def && { default: def }),
    });
    this.children(node, path, row);
  }

  private children(node: JsonSchema, base: string, owner: Row | undefined): void {
    const { target, ref } = this.resolve(node);
    if (ref !== undefined) {
      const first = this.canonical.get(ref);
      if (first !== undefined) {
        if (owner) owner.itemsLike = first;
        return;
      }
      this.canonical.set(ref, base);
    }
    if (isSecret(target)) return;
    const union = target.oneOf ? this.union(target) : undefined;
    if (union) {
      const { discriminator, shared, byValue } = union;
      const values = [...byValue.keys()];
      for (const option of byValue.values()) {
        this.add(join(base, discriminator), properties(option)[discriminator]!, {
          kind: 'key',
          type: values.map((v) => `\`${v}\``).join(', '),
          required: true,
          selects: values,
        });
      }
      for (const key of shared) {
        for (const option of byValue.values()) {
          this.key(properties(option)[key]!, join(base, key), required(option).includes(key));
        }
      }
      for (const [value, option] of byValue) {
        const path = variantPath(base, discriminator, value);
        this.add(path, option, { kind: 'variant', type: `${discriminator}: ${value}`, required: false });
        for (const [key, prop] of Object.entries(properties(option))) {
          if (key !== discriminator && !shared.has(key))
            this.key(prop, join(path, key), required(option).includes(key));
        }
      }
      return;
    }
    // Either of several forms (steps with a kind, or a shorthand without): each form's keys, in one table.
    if (Array.isArray(target.anyOf))
      for (const form of target.anyOf as JsonSchema[]) this.children(form, base, owner);
    for (const [key, prop] of Object.entries(properties(target))) {
      this.key(prop, join(base, key), required(target).includes(key));
    }
    if (isPlainObject(target.additionalProperties)) {
      this.children(target.additionalProperties as JsonSchema, join(base, '<name>'), owner);
    }
    if (isPlainObject(target.items)) this.children(target.items as JsonSchema, `${base}[]`, owner);
  }

  /**
   * Where each key of a document goes: its row (a union's discriminator goes to the row of its kind, so
   * that a comment on `kind: http` describes checks of kind http), and every row the document shows.
   */
  locate(doc: unknown): { placements: Placement[]; present: Set<string> } {
    const placements: Placement[] = [];
    const present = new Set<string>();
    const place = (dataPath: DataPath, row: string) => {
      placements.push({ dataPath, row });
      present.add(row);
    };
    const visit = (node: JsonSchema, data: unknown, dataPath: DataPath, base: string): void => {
      const { target, ref } = this.resolve(node);
      if (ref !== undefined) base = this.canonical.get(ref) ?? base;
      if (isSecret(target)) return;
      const union = target.oneOf ? this.union(target) : undefined;
      if (union) {
        if (!isPlainObject(data)) return;
        const value = data[union.discriminator];
        const option = typeof value === 'string' ? union.byValue.get(value) : undefined;
        if (!option) return;
        const variant = variantPath(base, union.discriminator, value as string);
        present.add(join(base, union.discriminator));
        place([...dataPath, union.discriminator], variant);
        for (const [key, child] of Object.entries(data)) {
          const prop = properties(option)[key];
          if (key === union.discriminator || !prop) continue;
          const path = join(union.shared.has(key) ? base : variant, key);
          place([...dataPath, key], path);
          visit(prop, child, [...dataPath, key], path);
        }
        return;
      }
      if (Array.isArray(target.anyOf) && isPlainObject(data)) {
        const form = (target.anyOf as JsonSchema[]).find((f) => this.fits(f, data));
        if (form) return visit(form, data, dataPath, base);
      }
      if (isPlainObject(data)) {
        const props = properties(target);
        for (const [key, child] of Object.entries(data)) {
          if (props[key]) {
            place([...dataPath, key], join(base, key));
            visit(props[key], child, [...dataPath, key], join(base, key));
          } else if (isPlainObject(target.additionalProperties)) {
            const value = target.additionalProperties as JsonSchema;
            visit(value, child, [...dataPath, key], join(base, '<name>'));
          }
        }
      }
      if (Array.isArray(data) && isPlainObject(target.items)) {
        data.forEach((item, i) => visit(target.items as JsonSchema, item, [...dataPath, i], `${base}[]`));
      }
    };
    visit(this.root, doc, [], '');
    return { placements, present };
  }

  /** Whether a document is of this form: its kind is one of a union's, or its keys are all the object's. */
  private fits(form: JsonSchema, data: Record<string, unknown>): boolean {
    const { target } = this.resolve(form);
    const union = target.oneOf ? this.union(target) : undefined;
    if (union) return typeof data[union.discriminator] === 'string';
    const props = properties(target);
    return Object.keys(props).length > 0 && Object.keys(data).every((k) => k in props);
  }

  /** A short name for what a key takes. */
  typeOf(node: JsonSchema): string {
    const { target } = this.resolve(node);
    if (isSecret(target)) return 'secret';
    if (target.oneOf) {
      const union = this.union(target);
      return union ? `object by \`${union.discriminator}\`` : 'one of several';
    }
    if (Array.isArray(target.anyOf))
      return (target.anyOf as JsonSchema[]).map((n) => this.typeOf(n)).join(' or ');
    if (target.const !== undefined) return `\`${flowYaml(target.const)}\``;
    if (Array.isArray(target.enum)) return target.enum.map((v) => `\`${flowYaml(v)}\``).join(', ');
    switch (target.type) {
      case 'string':
        if (isDurationPattern(target.pattern)) return 'duration';
        if (target.format === 'uri') return 'URL';
        if (target.format === 'date-time') return 'RFC 3339 time';
        return 'string';
      case 'integer':
      case 'number':
        return `${target.type}${range(target)}`;
      case 'boolean':
        return 'boolean';
      case 'array': {
        const items = (target.items ?? {}) as JsonSchema;
        return `list of ${plural(this.typeOf(items))}`;
      }
      case 'object':
        if (isPlainObject(target.additionalProperties)) {
          return `map of ${plural(this.typeOf(target.additionalProperties as JsonSchema))}`;
        }
        return 'object';
      default:
        return 'any';
    }
  }
}

/** "strings", "integers, 100–599", "objects by `kind`"; lists of constants as "`a`, `b`". */
function plural(type: string): string {
  return /^(string|duration|URL|integer|number|boolean|object|secret|list|map)\b/.test(type)
    ? type.replace(/^(\w+)/, '$1s')
    : type;
}

/** ` 1–65535`, ` > 0`, ` ≥ 1`: bounds worth saying (not the safe-integer limit zod adds to every int). */
function range(node: JsonSchema): string {
  const min = node.minimum as number | undefined;
  const max = node.maximum as number | undefined;
  const above = node.exclusiveMinimum as number | undefined;
  const saysMax = max !== undefined && max < Number.MAX_SAFE_INTEGER;
  if (min !== undefined && saysMax) return `, ${min}–${max}`;
  if (above !== undefined) return saysMax ? `, > ${above}, ≤ ${max}` : `, > ${above}`;
  if (min !== undefined) return `, ≥ ${min}`;
  if (saysMax) return `, ≤ ${max}`;
  return '';
}
