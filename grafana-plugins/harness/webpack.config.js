/**
 * The browser harness's bundle: everything (React, @grafana/*) bundled into one page, unlike the plugins'
 * own build, which leaves those to Grafana. `--env production` builds React's production mode for the
 * benchmark; otherwise a development build. Output: dist/page[-production]/.
 */
const path = require('node:path');
const HtmlWebpackPlugin = require('html-webpack-plugin');

const PLUGINS = path.resolve(__dirname, '..');
const ROOT_MODULES = path.resolve(PLUGINS, '../node_modules');
// Each plugin has its own copy of @grafana/*; the page must have one, or setBackendSrv and the theme
// context would reach one copy while the plugin code reads the other.
const GRAFANA = path.join(PLUGINS, 'vigil-healthscore-panel/node_modules/@grafana');

module.exports = (env = {}) => {
  const production = Boolean(env.production);
  const out = path.join(__dirname, 'dist', production ? 'page-production' : 'page');
  return {
    mode: production ? 'production' : 'development',
    devtool: false,
    entry: path.join(__dirname, 'page/index.tsx'),
    output: { path: out, filename: 'harness.js', publicPath: '/', clean: true },
    resolve: {
      extensions: ['.ts', '.tsx', '.js', '.jsx', '.mjs'],
      alias: {
        '@grafana/data': path.join(GRAFANA, 'data'),
        '@grafana/runtime': path.join(GRAFANA, 'runtime'),
        '@grafana/ui': path.join(GRAFANA, 'ui'),
        react: path.join(ROOT_MODULES, 'react'),
        'react-dom': path.join(ROOT_MODULES, 'react-dom'),
        'react-router-dom-v5-compat': path.join(ROOT_MODULES, 'react-router-dom-v5-compat'),
      },
    },
    module: {
      rules: [
        {
          test: /\.tsx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'swc-loader',
            options: {
              jsc: {
                target: 'es2020',
                parser: { syntax: 'typescript', tsx: true },
                transform: { react: { runtime: 'automatic' } },
              },
            },
          },
        },
        { test: /\.css$/, type: 'css' },
        { test: /\.svg$/, type: 'asset/resource' },
      ],
    },
    experiments: { css: true },
    optimization: { minimize: false },
    plugins: [new HtmlWebpackPlugin({ template: path.join(__dirname, 'page/index.html') })],
    cache: {
      type: 'filesystem',
      cacheDirectory: path.join(__dirname, 'dist/.webpack-cache', production ? 'prod' : 'dev'),
    },
    performance: { hints: false },
    infrastructureLogging: { level: 'error' },
    stats: 'errors-warnings',
  };
};
