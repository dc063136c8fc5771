/**
 * The one production build of every plugin in grafana-plugins/, after Grafana's create-plugin: SWC, an
 * AMD `module.js` that Grafana's SystemJS loader imports, the libraries Grafana already ships left as
 * externals, and plugin.json, README.md, CHANGELOG.md and img/ copied to the plugin's dist/.
 * Run from a plugin's folder: `webpack --config ../webpack.config.js --env production`.
 */
const path = require('node:path');
const CopyWebpackPlugin = require('copy-webpack-plugin');

// What Grafana provides to plugins at runtime (create-plugin's externals list, trimmed to what a React
// plugin can import); bundling a second copy of any of these would break React context and theming.
const EXTERNALS = [
  'lodash',
  'jquery',
  'moment',
  'slate',
  'emotion',
  '@emotion/react',
  '@emotion/css',
  'prismjs',
  'slate-plain-serializer',
  '@grafana/slate-react',
  'react',
  'react-dom',
  'react-redux',
  'redux',
  'rxjs',
  'i18next',
  'react-router',
  'react-router-dom',
  // Grafana's router (v6 API); an app's routes must use Grafana's copy to see its location.
  'react-router-dom-v5-compat',
  'd3',
  'angular',
  /^@grafana\/ui/i,
  /^@grafana\/runtime/i,
  /^@grafana\/data/i,
];

/** %VERSION% and %TODAY% in plugin.json become the package version and the build date. */
function stampPluginJson(content, version) {
  const today = new Date().toISOString().slice(0, 10);
  return content.toString().replaceAll('%VERSION%', version).replaceAll('%TODAY%', today);
}

module.exports = (env = {}) => {
  const root = process.cwd();
  const src = path.join(root, 'src');
  const pluginJson = require(path.join(src, 'plugin.json'));
  const { version } = require(path.join(root, 'package.json'));
  const production = Boolean(env.production);
  return {
    mode: production ? 'production' : 'development',
    devtool: production ? 'source-map' : 'eval-source-map',
    context: root,
    entry: { module: './src/module.tsx' },
    externals: EXTERNALS,
    output: {
      clean: true,
      filename: '[name].js',
      path: path.join(root, 'dist'),
      library: { type: 'amd' },
      publicPath: `public/plugins/${pluginJson.id}/`,
      uniqueName: pluginJson.id,
    },
    resolve: {
      extensions: ['.ts', '.tsx', '.js', '.jsx'],
      // JSX on Grafana's React (see jsx-runtime.js), for our code and any bundled library's alike.
      alias: {
        'react/jsx-runtime$': path.join(__dirname, 'jsx-runtime.js'),
        'react/jsx-dev-runtime$': path.join(__dirname, 'jsx-runtime.js'),
      },
    },
    module: {
      rules: [
        {
          test: /\.[tj]sx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                baseUrl: src,
                target: 'es2015',
                loose: false,
                parser: { syntax: 'typescript', tsx: true, decorators: false, dynamicImport: true },
                transform: { react: { runtime: 'automatic' } },
              },
            },
          },
        },
        { test: /\.svg$/, type: 'asset/resource', generator: { filename: 'img/[name][ext]' } },
      ],
    },
    plugins: [
      new CopyWebpackPlugin({
        patterns: [
          { from: 'README.md', to: '.' },
          { from: 'CHANGELOG.md', to: '.' },
          { from: 'src/plugin.json', to: '.', transform: (content) => stampPluginJson(content, version) },
          { from: 'src/img', to: 'img', noErrorOnMissing: false },
        ],
      }),
    ],
    performance: { hints: false },
  };
};
