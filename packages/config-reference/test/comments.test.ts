import { inputJsonSchema, keyComments, SchemaModel } from '../src';
import { z } from 'zod';

describe('keyComments', () => {
  it('gives each key the comment lines right above it and the comment on its line', () => {
    const text = [
      '# yaml-language-server: $schema=x.json',
      '# The file header, apart.',
      '',
      '# The server.',
      'server:',
      '  port: 80 # The port.',
      '  # Not the port.',
      '',
      '  host: "a # b" # The host.',
      "  'quoted key': x",
      'text: |',
      '  # inside a block scalar',
      '  key: no',
      'after: 1 # After.',
    ].join('\n');
    expect(keyComments(text)).toEqual([
      { path: ['server'], text: 'The server.', line: 5 },
      { path: ['server', 'port'], text: 'The port.', line: 6 },
      { path: ['server', 'host'], text: 'The host.', line: 9 },
      { path: ['after'], text: 'After.', line: 14 },
    ]);
  });

  it('numbers list items, indented or not, and lists inside them', () => {
    const text = [
      'a:',
      '  # First.',
      '  - x: 1',
      '    # Second key of the first item.',
      '    y:',
      '      - z: 2 # Nested.',
      '  - x: 3 # Other item.',
      'b:',
      '- c: 4 # Unindented.',
    ].join('\n');
    expect(keyComments(text).map((c) => [c.path, c.text])).toEqual([
      [['a', 0, 'x'], 'First.'],
      [['a', 0, 'y'], 'Second key of the first item.'],
      [['a', 0, 'y', 0, 'z'], 'Nested.'],
      [['a', 1, 'x'], 'Other item.'],
      [['b', 0, 'c'], 'Unindented.'],
    ]);
  });
});

describe('SchemaModel', () => {
  const check = z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('a'), name: z.string(), port: z.number().default(1) }),
    z.strictObject({ kind: z.literal('b'), name: z.string(), host: z.string() }),
  ]);
  const node = z.strictObject({
    label: z.string().optional(),
    get children(): z.ZodOptional<z.ZodArray<typeof node>> {
      return z.array(node).optional();
    },
  });
  const model = new SchemaModel(
    inputJsonSchema(
      z.strictObject({
        checks: z.array(check).default([]),
        services: z.record(z.string(), z.strictObject({ check })).default({}),
        tree: node.optional(),
      }),
    ),
  );

  it('lists shared keys once, and each kind with its own keys; a recursive schema once', () => {
    expect([...model.rows.keys()]).toEqual([
      'checks',
      'checks[].kind',
      'checks[].name',
      'checks[kind=a]',
      'checks[kind=a].port',
      'checks[kind=b]',
      'checks[kind=b].host',
      'services',
      'services.<name>.check',
      'services.<name>.check.kind',
      'services.<name>.check.name',
      'services.<name>.check[kind=a]',
      'services.<name>.check[kind=a].port',
      'services.<name>.check[kind=b]',
      'services.<name>.check[kind=b].host',
      'tree',
      'tree.label',
      'tree.children',
    ]);
    expect(model.rows.get('tree.children')?.itemsLike).toBe('tree');
    expect(model.rows.get('checks[kind=a].port')?.default).toEqual({ yaml: '1' });
  });

  it("places a document's keys on those rows, a kind's discriminator on its kind", () => {
    const { placements, present } = model.locate({
      checks: [{ kind: 'b', name: 'x', host: 'h' }],
      tree: { children: [{ children: [{ label: 'deep' }] }] },
    });
    expect(placements.map((p) => `${p.dataPath.join('/')} -> ${p.row}`)).toEqual([
      'checks -> checks',
      'checks/0/kind -> checks[kind=b]',
      'checks/0/name -> checks[].name',
      'checks/0/host -> checks[kind=b].host',
      'tree -> tree',
      'tree/children -> tree.children',
      'tree/children/0/children -> tree.children',
      'tree/children/0/children/0/label -> tree.label',
    ]);
    expect(present.has('checks[].kind')).toBe(true);
  });
});
