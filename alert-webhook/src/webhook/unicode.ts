import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { HttpError, type FieldProblem } from '@vigil/service-kit';

/**
 * The offset of the first byte that does not begin a well-formed UTF-8 sequence (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF, no cut-off sequence), or -1 when the whole buffer is UTF-8.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  if (isUtf8(bytes)) return -1;
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i += 1;
      continue;
    }
    // The length of the sequence b starts, and the range its second byte must be in.
    let more: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) more = 1;
    else if (b === 0xe0) [more, lo] = [2, 0xa0];
    else if (b === 0xed) [more, hi] = [2, 0x9f];
    else if (b >= 0xe1 && b <= 0xef) more = 2;
    else if (b === 0xf0) [more, lo] = [3, 0x90];
    else if (b === 0xf4) [more, hi] = [3, 0x8f];
    else if (b >= 0xf1 && b <= 0xf3) more = 3;
    else return i;
    for (let k = 1; k <= more; k++) {
      const c = bytes[i + k];
      if (c === undefined || c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += more + 1;
  }
  return -1;
}

/** A 400 naming where a body stops being UTF-8; JSON bodies must be UTF-8 (RFC 8259), not silently repaired. */
export function invalidUtf8Error(bytes: Uint8Array): HttpError | undefined {
  const at = firstInvalidUtf8(bytes);
  if (at < 0) return undefined;
  const byte = (bytes[at] as number).toString(16).toUpperCase().padStart(2, '0');
  return new HttpError(
    400,
    'invalid_utf8',
    `request body is not valid UTF-8: byte 0x${byte} at offset ${at} does not begin a valid sequence`,
  );
}

/** For express.json's `verify`: refuses a body that is not UTF-8 before it is decoded with replacement characters. */
export function verifyUtf8(_req: IncomingMessage, _res: unknown, body: Buffer): void {
  const problem = invalidUtf8Error(body);
  if (problem) throw problem;
}

/**
 * JSON can carry, as \u escapes, what UTF-8 text cannot: a lone surrogate (stored as U+FFFD) and NUL
 * (PostgreSQL refuses it in text, so the delivery would fail to merge after its 200). Only a body with such
 * an escape is searched.
 */
const SUSPECT_ESCAPE = /\\u(?:[dD][89a-fA-F]|0000)/;
const LONE_SURROGATE = /\p{Cs}/u;

function problemIn(s: string): string | undefined {
  if (LONE_SURROGATE.test(s))
    return 'holds a lone UTF-16 surrogate (\\ud800–\\udfff), which is not Unicode text';
  if (s.includes('\u0000')) return 'holds a NUL character (\\u0000)';
  return undefined;
}

/** A string (value or key) of a parsed JSON body that is not storable text, named by its path. */
export function unstorableText(text: string, body: unknown): FieldProblem | undefined {
  if (!SUSPECT_ESCAPE.test(text)) return undefined;
  // Iterative, with parent links for the path: bodies may nest deeper than any recursion goes.
  interface Item {
    value: unknown;
    key: string;
    parent?: Item;
  }
  const pathOf = (item: Item, last?: string) => {
    const parts: string[] = last === undefined ? [] : [last];
    for (let at: Item | undefined = item; at?.parent; at = at.parent) parts.unshift(at.key);
    return parts.join('.') || '(body)';
  };
  const stack: Item[] = [{ value: body, key: '' }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { value } = item;
    if (typeof value === 'string') {
      const why = problemIn(value);
      if (why) return { field: pathOf(item), message: why };
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        const why = problemIn(key);
        if (why) return { field: pathOf(item, key), message: `the key ${why}` };
        stack.push({ value: child, key, parent: item });
      }
    }
  }
  return undefined;
}
