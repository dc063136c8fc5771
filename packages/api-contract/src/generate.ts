import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { openApiDocument } from './openapi';

/** Where the generated document is checked in (a test fails when it differs from the contract). */
const OPENAPI_FILE = join(__dirname, '../../../../docs/api/openapi.json');

/** `npm run openapi:generate`: writes the document, formatted as prettier would so that `npm run lint` passes. */
async function main() {
  const text = `${JSON.stringify(openApiDocument(), null, 2)}\n`;
  writeFileSync(
    OPENAPI_FILE,
    await format(text, { ...(await resolveConfig(OPENAPI_FILE)), filepath: OPENAPI_FILE }),
  );
  console.log(`wrote ${OPENAPI_FILE}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
