import type { DataPath } from './rows';

/** A comment and the key it belongs to. */
export interface KeyComment {
  path: DataPath;
  text: string;
  /** 1-based line of the key. */
  line: number;
}

/** The editor modeline is for the YAML language server, not a description. */
const MODELINE = /^#\s*yaml-language-server:/;

/** Where a `#` starts a comment in a line's value: outside quotes, at its start or after a blank. */
function commentStart(text: string): number {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote === "'") {
      if (c === "'") quote = text[i + 1] === "'" ? (i++, quote) : undefined;
    } else if (quote === '"') {
      if (c === '\\') i++;
      else if (c === '"') quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] as string))) {
      return i;
    }
  }
  return -1;
}

/** `key:` at the start of text (plain, or quoted), with what follows it. */
function keyAt(text: string): { key: string; rest: string } | undefined {
  const quoted = /^(?:'((?:[^']|'')*)'|"((?:[^"\\]|\\.)*)")\s*:(?=\s|$)(.*)$/.exec(text);
  if (quoted) {
    const key =
      quoted[1] !== undefined ? quoted[1].replace(/''/g, "'") : (JSON.parse(`"${quoted[2]}"`) as string);
    return { key, rest: quoted[3] as string };
  }
  const plain = /^([^\s'"[\]{},#&*!|>%@`?-][^#]*?|-[^\s#][^#]*?)\s*:(?=\s|$)(.*)$/.exec(text);
  return plain ? { key: plain[1] as string, rest: plain[2] as string } : undefined;
}

/** An open key or list item: the column where it starts, its path, how many items its list has had. */
interface Frame {
  column: number;
  path: DataPath;
  item?: boolean;
  items?: number;
}

/**
 * The comments of a YAML file by the key they describe: the comment lines right above a key (no blank
 * line between) and the comment at the end of the key's line. Reads the block style that the example
 * files use (keys one per line, lists as `- ` items); keys inside flow collections (`{a: 1}`) get none.
 */
export function keyComments(text: string): KeyComment[] {
  const out: KeyComment[] = [];
  /** Open keys and list items, innermost last: the column where each starts and its path. */
  const open: Frame[] = [];
  let above: string[] = [];
  /** The column of a key whose block scalar (`|`, `>`) is being skipped. */
  let scalarColumn: number | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\s+$/, '');
    const column = line.length - line.trimStart().length;
    if (scalarColumn !== undefined) {
      if (line === '' || column > scalarColumn) return;
      scalarColumn = undefined;
    }
    if (line === '') {
      above = [];
      return;
    }
    let rest = line.slice(column);
    if (rest.startsWith('#')) {
      if (!MODELINE.test(rest)) above.push(rest.replace(/^#+ ?/, '').trim());
      return;
    }
    if (rest === '---') return;
    let at = column;
    const item = rest === '-' || rest.startsWith('- ');
    // A list's items may stand at its key's column (`key:` then `- a`), or deeper.
    const closes = (frame: Frame) => frame.column > at || (frame.column === at && (!item || frame.item));
    while (open.length > 0 && closes(open.at(-1) as Frame)) open.pop();
    // `- ` opens an item of the list whose key is the innermost open one (a list item may hold a list).
    while (rest === '-' || rest.startsWith('- ')) {
      const parent = open.at(-1);
      if (!parent) break;
      parent.items = (parent.items ?? -1) + 1;
      open.push({ column: at, path: [...parent.path, parent.items], item: true });
      const skip = rest === '-' ? 1 : 2 + (rest.slice(2).length - rest.slice(2).trimStart().length);
      at += skip;
      rest = rest.slice(skip);
    }
    const found = keyAt(rest);
    if (!found) {
      above = [];
      return;
    }
    const parent = open.at(-1);
    const path = [...(parent?.path ?? []), found.key];
    open.push({ column: at, path });
    const hash = commentStart(found.rest);
    const value = (hash < 0 ? found.rest : found.rest.slice(0, hash)).trim();
    const inline = hash < 0 ? [] : [found.rest.slice(hash).replace(/^#+ ?/, '').trim()];
    const comment = [...above, ...inline].filter((t) => t !== '').join(' ');
    if (comment !== '') out.push({ path, text: comment, line: index + 1 });
    if (/^[|>][-+0-9]*$/.test(value)) scalarColumn = at;
    above = [];
  });
  return out;
}
