import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DOCS_DIR, referenceFiles } from '../src';

describe('docs/config', () => {
  it('holds exactly what the generator writes from the schemas and examples (else: run npm run config:generate)', () => {
    const expected = referenceFiles();
    const onDisk = existsSync(DOCS_DIR) ? readdirSync(DOCS_DIR) : [];
    const same = (name: string) => {
      const text = readFileSync(join(DOCS_DIR, name), 'utf8');
      const want = expected.get(name) as string;
      // The generator formats JSON with prettier; what counts is the content.
      return name.endsWith('.json') ? isDeepStrictEqual(JSON.parse(text), JSON.parse(want)) : text === want;
    };
    const problems = [
      ...[...expected.keys()].filter((f) => !onDisk.includes(f)).map((f) => `${f} is missing`),
      ...onDisk.filter((f) => !expected.has(f)).map((f) => `${f} is not generated any more`),
      ...onDisk.filter((f) => expected.has(f) && !same(f)).map((f) => `${f} is stale`),
    ];
    if (problems.length > 0) {
      throw new Error(
        `docs/config: ${problems.join('; ')}: run npm run config:generate and commit the result`,
      );
    }
  });
});
