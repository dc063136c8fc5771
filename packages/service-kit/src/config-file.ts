import { readFileSync } from 'node:fs';
import { isMap, isNode, isPair, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError, type ConfigProblem } from './problems';

/** Aliases expanded at most this many times: a "billion laughs" document is refused, not expanded. */
const MAX_ALIAS_COUNT = 100;

/** Reads a file as text; an unreadable file is a ConfigError naming it. */
function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
}

/** Where in the file a key path is: the key itself for an unknown field, else its value. */
function positionOf(doc: Document, path: readonly PropertyKey[], atKey: boolean): number | undefined {
  let node: unknown = doc.contents;
  let offset = isNode(node) ? node.range?.[0] : undefined;
  for (const key of path) {
    if (!isNode(node) || !('items' in node)) break;
    const items = (node as { items: unknown[] }).items;
    let next: unknown;
    if (isMap(node)) {
      const pair = items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
      if (!isPair(pair)) break;
      next = pair.value;
      const at = atKey || !isNode(next) ? pair.key : next;
      offset = isNode(at) ? at.range?.[0] : offset;
    } else if (typeof key === 'number') {
      next = items[key];
      offset = isNode(next) ? next.range?.[0] : offset;
    } else break;
    node = next;
  }
  return offset;
}

function locate(path: string, doc: Document, lines: LineCounter, problem: ConfigProblem): ConfigProblem {
  const offset = positionOf(doc, problem.path, problem.atKey === true);
  if (offset === undefined) return { ...problem, position: path };
  const { line, col } = lines.linePos(offset);
  return { ...problem, position: `${path}:${line}:${col}` };
}

/**
 * Reads a YAML config file and hands the document to `parse` (a schema's validation and any checks across
 * keys). Every problem, of YAML syntax or of `parse`, comes back in one ConfigError with the file, line and
 * column where it is.
 */
export function loadConfigFile<T>(path: string, parse: (doc: unknown) => T): T {
  const text = readText(path);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return {
          path: [],
          message: /multiple documents/.test(e.message)
            ? 'a second YAML document starts here (---): a configuration file holds one'
            : `not valid YAML: ${(e.message.split('\n')[0] as string).replace(/ at line \d+, column \d+:?$/, '')}`,
          position: pos ? `${path}:${pos.line}:${pos.col}` : path,
        };
      }),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    throw new ConfigError([{ path: [], message: (err as Error).message, position: path }]);
  }
  try {
    return parse(value);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(err.problems.map((p) => (p.position ? p : locate(path, doc, lines, p))));
  }
}

/**
 * Places problems found after loading (e.g. a reload refusing a key that needs a restart) in the file, as
 * the loader does for its own; the file is read again, and left unplaced if it cannot be.
 */
export function locateProblems(path: string, problems: ConfigProblem[]): ConfigProblem[] {
  try {
    const lines = new LineCounter();
    const doc = parseDocument(readText(path), { lineCounter: lines });
    return problems.map((p) => (p.position ? p : locate(path, doc, lines, p)));
  } catch {
    return problems;
  }
}

/** Parses a YAML file to plain data (no schema): for files that are data rather than configuration. */
export function readYamlFile(path: string): unknown {
  return loadConfigFile(path, (doc) => doc);
}
