import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * `mkdir -p`: creates `dir` and the parents it lacks. Node's own `mkdirSync(dir, { recursive: true })`
 * never returns under /proc (its mkdir answers ENOENT with the parent present, and Node retries for good);
 * here each level is tried once, and a failure throws the error of the level that failed.
 */
export function makeDirectory(dir: string, mode?: number): void {
  try {
    mkdirSync(dir, { mode });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      if (statSync(dir).isDirectory()) return;
      throw err;
    }
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw err;
    makeDirectory(parent, mode);
    mkdirSync(dir, { mode });
  }
}
