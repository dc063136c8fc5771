import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { DASHBOARDS_DIR, dashboards, fileName } from './index';

/**
 * `npm run dashboards:generate`: writes every dashboard to provisioning/grafana/dashboards/<uid>.json
 * (formatted as prettier would, so that `npm run lint` passes) and deletes the JSON files of dashboards
 * that no longer exist.
 */
async function main() {
  const written = new Set<string>();
  for (const dashboard of dashboards()) {
    const file = join(DASHBOARDS_DIR, fileName(dashboard));
    const options = await resolveConfig(file);
    writeFileSync(file, await format(JSON.stringify(dashboard, null, 2), { ...options, filepath: file }));
    written.add(fileName(dashboard));
    console.log(`wrote ${relative(process.cwd(), file)}`);
  }
  for (const name of readdirSync(DASHBOARDS_DIR).filter((f) => f.endsWith('.json') && !written.has(f))) {
    rmSync(join(DASHBOARDS_DIR, name));
    console.log(`deleted ${name}: no such dashboard any more`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
