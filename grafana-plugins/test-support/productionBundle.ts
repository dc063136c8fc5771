import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as React from 'react';

/**
 * React as Grafana 13.2 and later share it with plugins: React 19, which no longer has the internals that
 * React 18's own JSX runtime reads when it loads.
 */
export function react19Like(): object {
  const shared: Record<string, unknown> = { ...React };
  delete shared.__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED;
  return shared;
}

/**
 * Builds a plugin for production (the build Grafana loads) and loads its AMD module.js as Grafana's loader
 * does: the externals it asks for from what Grafana shares (here node_modules, with `react` as given).
 * Returns the module's exports and the names of the externals it asked for.
 */
export function loadProductionBundle(
  pluginDir: string,
  react: object,
): { exports: unknown; externals: string[] } {
  const cli = require.resolve('webpack-cli/bin/cli.js');
  execFileSync(process.execPath, [cli, '--config', '../webpack.config.js', '--env', 'production'], {
    cwd: pluginDir,
    stdio: 'pipe',
  });
  const code = readFileSync(join(pluginDir, 'dist', 'module.js'), 'utf8');
  let loaded: { exports: unknown; externals: string[] } | undefined;
  const shared = createRequire(join(pluginDir, 'package.json'));
  const define = (deps: string[], factory: (...modules: unknown[]) => unknown) => {
    const modules = deps.map((name) => (name === 'react' ? react : shared(name)));
    loaded = { exports: factory(...modules), externals: deps };
  };
  new Function('define', code)(define);
  if (!loaded) throw new Error(`${pluginDir}/dist/module.js defined no module`);
  return loaded;
}
