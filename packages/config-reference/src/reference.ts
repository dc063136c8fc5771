import { isDeepStrictEqual } from 'node:util';
import yaml from 'js-yaml';
import type { z } from 'zod';
import { keyComments } from './comments';
import { inputJsonSchema, type JsonSchema } from './json-schema';
import { SchemaModel, type Row } from './rows';

/** An example config file of a service: its name (in the service's folder) and its text. */
export interface Example {
  file: string;
  text: string;
}

/** What the reference of one service is made of, and what it found missing. */
export interface Reference {
  /** The JSON Schema, with a description on every key that has one. */
  jsonSchema: JsonSchema;
  rows: Row[];
  /** Each row's meaning: the comment on its key in the first example file (in order) that comments it. */
  descriptions: Map<string, string>;
  /** Rows that no example comments. */
  undescribed: string[];
  /** Comments on keys that are not in the schema, as `file:line`. */
  strayComments: string[];
  model: SchemaModel;
}

/** Parses YAML as the YAML language server does (YAML 1.2 core schema: a timestamp stays a string). */
export function parseYaml(text: string): unknown {
  return yaml.load(text, { schema: yaml.CORE_SCHEMA });
}

/** `[kind=http].tls.ca_file` → kind "http", suffix ".tls.ca_file": where a key sits within its kind. */
function withinVariant(path: string): { selector: string; suffix: string } | undefined {
  const match = /^(.*)(\[[^\]=]+=[^\]]+\])([^[]*)$/.exec(path);
  return match ? { selector: match[2] as string, suffix: match[3] as string } : undefined;
}

const withoutDescription = (node: JsonSchema) => ({ ...node, description: undefined });

/**
 * A key of one kind that no example comments takes the description of the same key of the same kind
 * elsewhere in the file (a health-check /probe module of kind http is described at the checks of kind
 * http), else of the same key of another kind where its schema is the same (`tls.ca_file` of every kind).
 */
function borrowedDescription(row: Row, rows: Row[], descriptions: Map<string, string>): string | undefined {
  const own = withinVariant(row.path);
  if (!own) return undefined;
  const sameKind = rows.find((other) => {
    const theirs = withinVariant(other.path);
    return theirs?.selector === own.selector && theirs.suffix === own.suffix && descriptions.has(other.path);
  });
  if (sameKind) return descriptions.get(sameKind.path);
  if (own.suffix === '') return undefined;
  const sameSchema = rows.find(
    (other) =>
      withinVariant(other.path)?.suffix === own.suffix &&
      descriptions.has(other.path) &&
      isDeepStrictEqual(withoutDescription(other.nodes[0]!), withoutDescription(row.nodes[0]!)),
  );
  return sameSchema && descriptions.get(sameSchema.path);
}

/** The reference of a config schema, described by the comments of its example files. */
export function buildReference(
  schema: z.ZodType,
  examples: Example[],
  heading: { title: string; description: string },
): Reference {
  const jsonSchema = inputJsonSchema(schema);
  const model = new SchemaModel(jsonSchema);
  const rows = [...model.rows.values()];
  const descriptions = new Map<string, string>();
  const strayComments: string[] = [];
  for (const example of examples) {
    const { placements } = model.locate(parseYaml(example.text));
    const rowOf = new Map(placements.map((p) => [JSON.stringify(p.dataPath), p.row]));
    for (const comment of keyComments(example.text)) {
      const row = rowOf.get(JSON.stringify(comment.path));
      if (row === undefined) strayComments.push(`${example.file}:${comment.line}`);
      else if (!descriptions.has(row)) descriptions.set(row, comment.text);
    }
  }
  for (const row of rows) {
    if (descriptions.has(row.path) || row.selects) continue;
    const borrowed = borrowedDescription(row, rows, descriptions);
    if (borrowed !== undefined) descriptions.set(row.path, borrowed);
  }
  for (const row of rows) {
    const text = row.selects ? selectsText(row) : descriptions.get(row.path);
    if (text !== undefined) for (const node of row.nodes) node.description = text;
    if (row.kind === 'variant') for (const node of row.nodes) node.title = row.type;
    if (row.type === 'secret') for (const node of row.nodes) describeSecret(node);
  }
  const undescribed = rows.filter((r) => !r.selects && !descriptions.has(r.path)).map((r) => r.path);
  return {
    jsonSchema: { $schema: jsonSchema.$schema, ...heading, ...jsonSchema },
    rows,
    descriptions,
    undescribed,
    strayComments,
    model,
  };
}

/** A secret's two ways, described for editors' hover help (the reference says it once, above its tables). */
function describeSecret(node: JsonSchema): void {
  const props = node.properties as Record<string, JsonSchema>;
  props.env!.description =
    'The name of the environment variable that holds the secret (set exactly one of env or file).';
  props.file!.description =
    'The file that holds the secret, whitespace around it removed (set exactly one of env or file).';
}

/** The description of a union's discriminator, which no example needs to give. */
export function selectsText(row: Row): string {
  const key = row.path.replace(/^.*[.]/, '');
  return `Which kind this is; each kind has keys of its own, listed under \`[${key}=<kind>]\`.`;
}
