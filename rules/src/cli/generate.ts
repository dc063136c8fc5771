import { GENERATED_DIR, SPECS_DIR } from '../paths';
import { generate } from '../slo/generate';
import { SpecError } from '../slo/spec';

generate(SPECS_DIR, GENERATED_DIR).then(
  (files) => {
    for (const f of files) console.log(`wrote rules/generated/${f}`);
  },
  (err: unknown) => {
    console.error(err instanceof SpecError ? err.message : err);
    process.exitCode = 1;
  },
);
