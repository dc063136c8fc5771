/**
 * React's automatic JSX runtime (`react/jsx-runtime`, what SWC compiles JSX to) on top of the React that
 * Grafana shares with plugins. React's own runtime would be bundled (Grafana shares `react`, not its
 * runtime), carrying a copy of React 18's internals, which React 19 (Grafana 13.2 and later) no longer has:
 * the plugin would then fail to load.
 */
const { createElement, Fragment } = require('react');

function jsx(type, props, key) {
  return createElement(type, key === undefined ? props : { ...props, key });
}

/** Static children (a JSX element's several children) as createElement's arguments, as React reads them. */
function jsxs(type, props, key) {
  const { children, ...rest } = props;
  return createElement(type, key === undefined ? rest : { ...rest, key }, ...children);
}

module.exports = { jsx, jsxs, Fragment };
