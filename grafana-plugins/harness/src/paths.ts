import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** grafana-plugins/harness, whether running from src/ or bench/ (jest) or from dist/ (compiled). */
function harnessDir(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'webpack.config.js'))) dir = dirname(dir);
  return dir;
}

export const HARNESS_DIR = harnessDir();
export const PLUGINS_DIR = dirname(HARNESS_DIR);
export const REPO_ROOT = dirname(PLUGINS_DIR);
