import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { mixinFilesElsewhere } from '../mixin/outside';
import { GENERATED_DIR, RULES_ROOT, SPECS_DIR } from '../paths';
import { generate } from '../slo/generate';
import { SpecError } from '../slo/spec';

async function main() {
  for (const f of await generate(SPECS_DIR, GENERATED_DIR)) console.log(`wrote rules/generated/${f}`);
  for (const [path, text] of Object.entries(await mixinFilesElsewhere())) {
    writeFileSync(path, text);
    console.log(`wrote ${relative(`${RULES_ROOT}/..`, path)}`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof SpecError ? err.message : err);
  process.exitCode = 1;
});
