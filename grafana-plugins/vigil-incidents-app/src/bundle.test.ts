import { join } from 'node:path';
import * as runtime from 'react/jsx-runtime';
import { renderToStaticMarkup } from 'react-dom/server';
import { loadProductionBundle, react19Like } from '../../test-support/productionBundle';

it('the production build loads on the React Grafana 13.2 shares (19), asking only for what Grafana shares', () => {
  const { exports, externals } = loadProductionBundle(join(__dirname, '..'), react19Like());
  expect(exports).toMatchObject({ plugin: expect.objectContaining({ meta: expect.anything() }) });
  expect(externals).not.toContain('react/jsx-runtime');
}, 120_000);

it("the bundle's JSX runtime makes the elements React's own does", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- plain CommonJS, as webpack bundles it
  const shim = require('../../jsx-runtime.js') as typeof runtime;
  const tree = (r: typeof runtime) =>
    r.jsxs('ul', {
      className: 'alerts',
      children: [
        r.jsx('li', { children: 'one' }, 'a'),
        r.jsxs(r.Fragment, { children: [r.jsx('b', { children: 2 }), ' and ', r.jsx('i', {})] }),
      ],
    });
  expect(renderToStaticMarkup(tree(shim))).toBe(renderToStaticMarkup(tree(runtime)));
  expect(renderToStaticMarkup(tree(shim))).toBe('<ul class="alerts"><li>one</li><b>2</b> and <i></i></ul>');
  expect(shim.jsx('li', { children: 'x' }, 'k').key).toBe('k');
});
