import { z } from 'zod';

interface Meta {
  /** Named schemas become `#/components/schemas/<id>` in the OpenAPI document. */
  id?: string;
  description?: string;
  example?: unknown;
}

/** The contract's metadata: a registry of its own, so that other packages' metadata never lands in the document. */
export const components = z.registry<Meta>();

/** Registers a schema as a named component and returns it. */
export function named<T extends z.ZodType>(id: string, description: string, schema: T): T {
  components.add(schema, { id, description });
  return schema;
}
