import { join } from 'node:path';
import webpack, { type Configuration } from 'webpack';
import { HARNESS_DIR } from './paths';

/**
 * Bundles the harness page (webpack.config.js beside this folder) and returns its folder. Webpack's
 * file-system cache makes a build after the first one take seconds.
 */
export async function buildPage(production = false): Promise<string> {
  const { default: configure } = (await import(join(HARNESS_DIR, 'webpack.config.js'))) as {
    default: (env: { production?: boolean }) => Configuration;
  };
  const config = configure({ production });
  const stats = await new Promise<webpack.Stats>((resolve, reject) => {
    const compiler = webpack(config);
    compiler.run((err, result) => {
      compiler.close(() =>
        err || !result ? reject(err ?? new Error('webpack gave no result')) : resolve(result),
      );
    });
  });
  if (stats.hasErrors()) throw new Error(`the harness page did not build:\n${stats.toString('errors-only')}`);
  return config.output!.path!;
}
