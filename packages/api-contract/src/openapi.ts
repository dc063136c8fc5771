import { z } from 'zod';
import { ERROR_CODES, errorBody } from './common';
import { isDocument, pathId, OPERATIONS, type Operation } from './operations';
import { components } from './registry';
import { labelSet } from './webhook';

type Json = Record<string, unknown>;

const REF = /^#\/\$defs\/(.+)$/;

/**
 * Converts zod schemas to JSON Schema 2020-12 (OpenAPI 3.1's dialect), collecting named schemas as shared
 * components. A component whose request form differs from its response form (defaults, transforms) is
 * kept twice: `<id>` as answered and `<id>Input` as accepted.
 */
class Converter {
  readonly schemas: Record<string, Json> = {};

  convert(schema: z.ZodType, io: 'input' | 'output'): Json {
    const converted = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      metadata: components,
      io,
      unrepresentable: 'any',
      reused: 'inline',
      // The label maps of the webhook payload are checked by hand (see labelSet): say what they accept.
      override: ({ zodSchema, jsonSchema }) => {
        if (zodSchema === labelSet)
          Object.assign(jsonSchema, { type: 'object', additionalProperties: { type: 'string' } });
      },
    }) as Json;
    // The document names the dialect once (jsonSchemaDialect), not in every schema.
    delete converted.$schema;
    const { $defs = {}, ...root } = converted as Json & { $defs?: Record<string, Json> };
    const names = new Map<string, string>();
    for (const [id, def] of Object.entries($defs)) {
      const name = this.place(id, def, io);
      names.set(id, name);
    }
    const rewrite = (node: unknown): unknown => {
      if (Array.isArray(node)) return node.map(rewrite);
      if (node === null || typeof node !== 'object') return node;
      const out: Json = {};
      for (const [k, v] of Object.entries(node)) {
        const m = k === '$ref' && typeof v === 'string' ? REF.exec(v) : null;
        out[k] = m ? `#/components/schemas/${names.get(m[1]!) ?? m[1]!}` : rewrite(v);
      }
      return out;
    };
    for (const name of new Set(names.values())) this.schemas[name] = rewrite(this.schemas[name]) as Json;
    return rewrite(root) as Json;
  }

  private place(id: string, def: Json, io: 'input' | 'output'): string {
    const text = JSON.stringify(def);
    for (const name of [id, `${id}Input`]) {
      const existing = this.schemas[name];
      if (
        existing === undefined ||
        JSON.stringify(existing) === text ||
        this.sameAfterRewrite(existing, text)
      ) {
        this.schemas[name] = def;
        return name;
      }
      if (io === 'output') break;
    }
    throw new Error(`two different schemas are named ${id}`);
  }

  /** A component placed earlier had its refs rewritten already; compare it with refs in $defs form. */
  private sameAfterRewrite(existing: Json, text: string): boolean {
    return (
      JSON.stringify(existing).replace(/#\/components\/schemas\/([A-Za-z]+?)(Input)?"/g, '#/$defs/$1"') ===
      text
    );
  }
}

const jsonContent = (schema: Json) => ({ 'application/json': { schema } });

const ACCESS_TEXT: Record<Operation['access'], string> = {
  viewer: 'An API token of any role (viewer, responder, admin).',
  responder: 'An API token with the responder or admin role.',
  admin: 'An API token with the admin role.',
  webhook: "The webhook's bearer token or basic auth, when configured.",
  'signed-link': 'The signed token in the path, as the notification carries it.',
  public: 'No credentials.',
};

function operationObject(op: Operation, converter: Converter, error: Json): Json {
  const parameters: Json[] = [];
  for (const name of op.path.match(/\{([a-z_]+)\}/g) ?? []) {
    const param = name.slice(1, -1);
    const schema = param === 'id' ? converter.convert(pathId, 'input') : { type: 'string' };
    parameters.push({ name: param, in: 'path', required: true, schema });
  }
  if (op.query) {
    const query = converter.convert(op.query, 'input') as {
      properties?: Record<string, Json>;
      required?: string[];
    };
    for (const [name, schema] of Object.entries(query.properties ?? {})) {
      const { description, ...rest } = schema;
      parameters.push({
        name,
        in: 'query',
        required: query.required?.includes(name) ?? false,
        ...(typeof description === 'string' ? { description } : {}),
        schema: rest,
      });
    }
  }
  const responses: Json = {};
  responses[String(op.status)] = isDocument(op.response)
    ? {
        description: op.response.description,
        content: {
          [op.response.mediaType]: {
            schema: op.response.mediaType === 'application/json' ? { type: 'object' } : { type: 'string' },
          },
        },
      }
    : { description: 'OK', content: jsonContent(converter.convert(op.response, 'output')) };
  const failures: Record<string, string[]> = {};
  for (const [status, codes] of Object.entries(op.errors)) failures[status] = [...codes];
  if (op.access === 'viewer' || op.access === 'responder' || op.access === 'admin') {
    failures['401'] = ['unauthorized'];
    if (op.access !== 'viewer') failures['403'] = ['forbidden'];
  }
  if (op.access === 'webhook') failures['401'] = ['unauthorized'];
  if (op.access === 'signed-link') failures['403'] = [];
  for (const [status, codes] of Object.entries(failures)) {
    responses[status] =
      op.access === 'signed-link'
        ? { description: 'a page saying why', content: { 'text/html': { schema: { type: 'string' } } } }
        : { description: `error: ${codes.join(', ')}`, content: jsonContent(error) };
  }
  const security =
    op.access === 'public' || op.access === 'signed-link'
      ? []
      : op.access === 'webhook'
        ? [{ webhookBearer: [] }, { webhookBasic: [] }, {}]
        : [{ apiToken: [] }];
  return {
    operationId: op.id,
    summary: op.summary,
    description: ACCESS_TEXT[op.access],
    'x-vigil-access': op.access,
    security,
    ...(parameters.length ? { parameters } : {}),
    ...(op.body
      ? {
          requestBody: {
            // The server reads no body as `{}`: one that every field of may be left out is optional.
            required: !op.body.safeParse({}).success,
            content: jsonContent(converter.convert(op.body, 'input')),
          },
        }
      : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of alert-webhook's API, generated from the contract's schemas. */
export function openApiDocument(): Json {
  const converter = new Converter();
  const error = converter.convert(errorBody, 'output');
  const paths: Record<string, Json> = {};
  for (const op of OPERATIONS) {
    paths[op.path] = { ...paths[op.path], [op.method]: operationObject(op, converter, error) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Vigil alert-webhook API',
      version: 'v1',
      description:
        'Incidents from Alertmanager, on-call, maintenance windows, reports and the audit log. Errors are ' +
        '`{"error": {"code", "message", "details"}}`; the codes: ' +
        Object.entries(ERROR_CODES)
          .map(([code, meaning]) => `\`${code}\` (${meaning})`)
          .join(', ') +
        '. Times are RFC 3339 (answered in UTC).',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(converter.schemas).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: {
        apiToken: { type: 'http', scheme: 'bearer', description: 'api.tokens in the configuration' },
        webhookBearer: { type: 'http', scheme: 'bearer', description: 'webhook.bearer_token' },
        webhookBasic: { type: 'http', scheme: 'basic', description: 'webhook.basic_auth' },
      },
    },
  };
}
