import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { referenceFiles } from './files';
import { DOCS_DIR } from './services';

/**
 * `npm run config:generate`: writes docs/config/ (each service's <name>.md and <name>.schema.json, and the
 * README.md index), the JSON formatted as prettier would so that `npm run lint` passes, and deletes files
 * there that are no longer generated.
 */
async function main() {
  mkdirSync(DOCS_DIR, { recursive: true });
  const files = referenceFiles();
  for (const [name, content] of files) {
    const path = join(DOCS_DIR, name);
    const text = name.endsWith('.json')
      ? await format(content, { ...(await resolveConfig(path)), filepath: path })
      : content;
    writeFileSync(path, text);
    console.log(`wrote ${relative(process.cwd(), path)}`);
  }
  for (const name of readdirSync(DOCS_DIR).filter((f) => !files.has(f))) {
    rmSync(join(DOCS_DIR, name));
    console.log(`deleted docs/config/${name}: not generated any more`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
