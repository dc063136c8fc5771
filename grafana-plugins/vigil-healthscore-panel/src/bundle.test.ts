import { join } from 'node:path';
import { loadProductionBundle, react19Like } from '../../test-support/productionBundle';

it('the production build loads on the React Grafana 13.2 shares (19), asking only for what Grafana shares', () => {
  const { exports, externals } = loadProductionBundle(join(__dirname, '..'), react19Like());
  expect(exports).toMatchObject({ plugin: expect.objectContaining({ meta: expect.anything() }) });
  expect(externals).not.toContain('react/jsx-runtime');
}, 120_000);
