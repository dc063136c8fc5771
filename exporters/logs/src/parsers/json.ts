import { z } from 'zod';
import { ParseError, type Fields, type ParserKind } from './kind';

/** Nested objects deeper than this are left out: a hostile line must not cost unbounded work. */
const MAX_DEPTH = 4;

function flatten(value: unknown, prefix: string, depth: number, into: Fields): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'object') {
    if (Array.isArray(value) || depth >= MAX_DEPTH) return;
    for (const [key, v] of Object.entries(value))
      flatten(v, prefix ? `${prefix}.${key}` : key, depth + 1, into);
    return;
  }
  into[prefix] = String(value);
}

/**
 * JSON lines (pino, bunyan, zap, logstash…): each line one object; scalar members become fields, nested
 * objects flattened with dots (`req.method`); arrays are skipped.
 */
export const jsonParser: ParserKind = {
  kind: 'json',
  settings: z.strictObject({}),
  create: () => (line) => {
    const text = line.trim();
    if (text === '') return undefined;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      return new ParseError('invalid_json');
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return new ParseError('not_an_object');
    const fields: Fields = {};
    flatten(doc, '', 0, fields);
    return fields;
  },
};
