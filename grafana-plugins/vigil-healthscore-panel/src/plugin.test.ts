import { mkdtempSync, writeFileSync, readFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pluginJsonProblems } from '../../test-support/pluginJson';
import { standardEditorsRegistry } from '@grafana/data';
import { plugin } from './module';
import { DEFAULT_OPTIONS } from './types';

const PLUGIN_JSON = join(__dirname, 'plugin.json');

it("plugin.json is valid for Grafana's plugin.json schema and its logos exist", () => {
  expect(pluginJsonProblems(PLUGIN_JSON)).toEqual([]);
  const json = JSON.parse(readFileSync(PLUGIN_JSON, 'utf8'));
  expect(json).toMatchObject({
    id: 'vigil-healthscore-panel',
    type: 'panel',
    dependencies: { grafanaDependency: '>=13.1.1' },
  });
});

it('the validation names the key path of what is wrong', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plugin-json-'));
  const json = JSON.parse(readFileSync(PLUGIN_JSON, 'utf8'));
  json.type = 'widget';
  delete json.dependencies.grafanaDependency;
  json.info.logos.large = 'img/missing.svg';
  mkdirSync(join(dir, 'img'));
  copyFileSync(join(__dirname, 'img/logo.svg'), join(dir, 'img/logo.svg'));
  writeFileSync(join(dir, 'plugin.json'), JSON.stringify(json));
  expect(pluginJsonProblems(join(dir, 'plugin.json'))).toEqual([
    '/type: must be equal to one of the allowed values',
    "/dependencies: must have required property 'grafanaDependency'",
    '/info/logos/large: img/missing.svg does not exist',
  ]);
});

it("the options editor's defaults are the panel's defaults", () => {
  // Grafana registers its option editors at startup; the ids are all the builder needs to list them.
  standardEditorsRegistry.setInit(() =>
    ['radio', 'text', 'number', 'boolean'].map((id) => ({ id, name: id, editor: () => null })),
  );
  expect(plugin.defaults).toEqual(DEFAULT_OPTIONS);
});
