import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TempDir {
  dir: string;
  /** Removes the directory and everything in it. */
  cleanup: () => void;
}

/** A fresh directory under the system's temporary directory, named `<prefix>XXXXXX`. */
export function tempDir(prefix = 'vigil-test-'): TempDir {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
