import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, type TempDir } from '@vigil/testkit';
import { makeDirectory } from '../src/make-directory';

let tmp: TempDir;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

describe('makeDirectory', () => {
  it('creates the missing levels with the mode given, and accepts a directory already there', () => {
    const dir = join(tmp.dir, 'a', 'b', 'c');
    makeDirectory(dir, 0o700);
    for (const level of [join(tmp.dir, 'a'), join(tmp.dir, 'a', 'b'), dir]) {
      expect(statSync(level).isDirectory()).toBe(true);
      expect(statSync(level).mode & 0o777).toBe(0o700);
    }
    expect(() => makeDirectory(dir)).not.toThrow();
  });

  it('throws the error of the level that failed when a file is in the way', () => {
    const file = join(tmp.dir, 'file');
    writeFileSync(file, '');
    expect(() => makeDirectory(file)).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    expect(() => makeDirectory(join(file, 'below'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });

  // Node's mkdirSync(…, { recursive: true }) loops for good on this path; the test would time out.
  it('throws ENOENT under /proc, where mkdir fails with the parent present', () => {
    expect(() => makeDirectory('/proc/vigil-not-here/x')).toThrow(
      expect.objectContaining({ code: 'ENOENT', path: '/proc/vigil-not-here' }),
    );
  });
});
