import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const MAGIC = /[*?[]/;

/** A glob path segment as a regex: `*` and `?` never match "/", `[…]` is a character class. */
function segmentRegex(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${segment
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/**
 * What is wrong with a glob, or undefined: a character class a regex cannot hold (`[z-a]`). Checked at
 * load, so that a bad pattern is refused with the file rather than failing every poll after a reload.
 */
export function globProblem(pattern: string): string | undefined {
  for (const segment of pattern.split('/')) {
    if (segment === '**' || !MAGIC.test(segment)) continue;
    try {
      segmentRegex(segment);
    } catch (err) {
      // V8's message ends with the reason: "Invalid regular expression: /…/: Range out of order in character class".
      const reason = (err as Error).message.split(': ').pop();
      return `"${segment}" is not a valid glob pattern: ${reason}`;
    }
  }
  return undefined;
}

function entries(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    // A directory that does not exist (yet) or cannot be read matches nothing; the next poll looks again.
    return [];
  }
}

/**
 * Paths matching a glob (`*`, `?`, `[…]`, and `**` for any depth of directories), sorted. Node 20 has no
 * fs.glob; logs need no more than this.
 */
export function expandGlob(pattern: string): string[] {
  const absolute = pattern.startsWith('/');
  const segments = pattern.split('/').filter((s) => s !== '');
  const found: string[] = [];
  const walk = (dir: string, i: number): void => {
    if (i === segments.length) {
      found.push(dir);
      return;
    }
    const segment = segments[i] as string;
    if (segment === '**') {
      walk(dir, i + 1);
      for (const e of entries(dir)) if (e.isDirectory()) walk(join(dir, e.name), i);
      return;
    }
    if (!MAGIC.test(segment)) {
      walk(join(dir, segment), i + 1);
      return;
    }
    const re = segmentRegex(segment);
    // Hidden files only match a pattern that names the dot, as in shells.
    for (const e of entries(dir)) {
      if (re.test(e.name) && (segment.startsWith('.') || !e.name.startsWith('.')))
        walk(join(dir, e.name), i + 1);
    }
  };
  walk(absolute ? '/' : '.', 0);
  return [...new Set(found)].sort();
}

/** Whether a path matches a glob, for `exclude`: a pattern without "/" is tested on the file name. */
export function matchesGlob(path: string, pattern: string): boolean {
  if (!pattern.includes('/')) return segmentRegex(pattern).test(path.slice(path.lastIndexOf('/') + 1));
  const re = pattern
    .split('/')
    .map((s) => (s === '**' ? '.*' : segmentRegex(s).source.slice(1, -1)))
    .join('/');
  return new RegExp(`^${re}$`).test(path);
}
