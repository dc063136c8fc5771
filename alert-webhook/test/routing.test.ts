import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { z } from 'zod';
import { routingSchema } from '../src/routing/schema';
import { route, type RoutingTree } from '../src/routing/tree';
import { fieldProblems } from '@vigil/service-kit';

/** The section as config.ts will hold it, so that messages carry the full key path. */
const configSection = z.strictObject({ routing: routingSchema });

const tree = (routing: unknown): RoutingTree => configSection.parse({ routing }).routing;

const refused = (routing: unknown): string[] => {
  const result = configSection.safeParse({ routing });
  if (result.success) throw new Error('routing was accepted');
  return fieldProblems(result.error).map((p) => `${p.field}: ${p.message}`);
};

const paths = (t: RoutingTree, labels: Record<string, string>) => route(t, labels).map((r) => r.path);

describe('route', () => {
  const nested = tree({
    team: 'ops',
    channels: ['email'],
    escalation: 'default',
    routes: [
      {
        matchers: ['service="api"'],
        team: 'api',
        routes: [
          { matchers: 'severity="critical"', channels: ['pager'], escalation: 'page' },
          { matchers: 'severity="warning"', channels: ['slack'] },
        ],
      },
      { matchers: ['severity="critical"'], channels: ['pager', 'email'] },
    ],
  });

  it('keys each matched route by the matchers on its way down', () => {
    expect(route(nested, { service: 'api', severity: 'critical' }).map((r) => r.key)).toEqual([
      '{}/{service="api"}/{severity="critical"}',
    ]);
    expect(route(nested, {}).map((r) => r.key)).toEqual(['{}']);
    const two = tree({ team: 'ops', channels: [], routes: [{ matchers: ['service="api"', 'env="prod"'] }] });
    expect(route(two, { service: 'api', env: 'prod' }).map((r) => r.key)).toEqual([
      '{}/{service="api",env="prod"}',
    ]);
  });

  it('sends an alert nothing claims to the default route', () => {
    expect(route(nested, { service: 'web', severity: 'info' })).toEqual([
      { path: [], key: '{}', team: 'ops', channels: ['email'], escalation: 'default' },
    ]);
  });

  it('takes the deepest matching route and inherits what it leaves unset', () => {
    expect(route(nested, { service: 'api', severity: 'critical' })).toEqual([
      {
        path: [0, 0],
        key: '{}/{service="api"}/{severity="critical"}',
        team: 'api',
        channels: ['pager'],
        escalation: 'page',
      },
    ]);
    expect(route(nested, { service: 'api', severity: 'warning' })).toEqual([
      {
        path: [0, 1],
        key: '{}/{service="api"}/{severity="warning"}',
        team: 'api',
        channels: ['slack'],
        escalation: 'default',
      },
    ]);
  });

  it('lets a parent handle the alert when none of its children matches', () => {
    expect(route(nested, { service: 'api', severity: 'info' })).toEqual([
      { path: [0], key: '{}/{service="api"}', team: 'api', channels: ['email'], escalation: 'default' },
    ]);
  });

  it('stops at the first matching sibling', () => {
    expect(paths(nested, { service: 'api', severity: 'critical' })).toEqual([[0, 0]]);
    expect(paths(nested, { service: 'web', severity: 'critical' })).toEqual([[1]]);
  });

  it('goes on to later siblings after a route with continue, in order', () => {
    const t = tree({
      team: 'ops',
      channels: [],
      routes: [
        { matchers: 'env="prod"', channels: ['log'], continue: true },
        { matchers: 'severity="critical"', channels: ['pager'], continue: true },
        { matchers: 'team="db"', team: 'db' },
        { matchers: 'severity=~".+"', channels: ['slack'] },
      ],
    });
    expect(paths(t, { env: 'prod', severity: 'critical', team: 'db' })).toEqual([[0], [1], [2]]);
    expect(paths(t, { env: 'prod', severity: 'warning' })).toEqual([[0], [3]]);
    expect(paths(t, { env: 'dev', severity: 'critical' })).toEqual([[1], [3]]);
    // A continue route that matched does not keep the default route from being skipped...
    expect(paths(t, { env: 'prod' })).toEqual([[0]]);
    // ...and when nothing matches, the default route handles it.
    expect(paths(t, { env: 'dev' })).toEqual([[]]);
  });

  it('carries continue through nested routes', () => {
    const t = tree({
      team: 'ops',
      channels: [],
      routes: [
        {
          matchers: 'service="api"',
          continue: true,
          routes: [{ matchers: 'severity="critical"', team: 'api-oncall' }],
        },
        { matchers: 'severity="critical"', team: 'sre' },
      ],
    });
    expect(route(t, { service: 'api', severity: 'critical' }).map((r) => [r.path, r.team])).toEqual([
      [[0, 0], 'api-oncall'],
      [[1], 'sre'],
    ]);
  });

  it('lets a child route turn notifications off with an empty channel list', () => {
    const t = tree({
      team: 'ops',
      channels: ['email'],
      routes: [{ matchers: 'severity="info"', channels: [] }],
    });
    expect(route(t, { severity: 'info' })[0]!.channels).toEqual([]);
  });

  it('returns plain data that survives a JSON round trip, for the incident snapshot', () => {
    const [chosen] = route(nested, { service: 'api', severity: 'critical', team: 'x' });
    expect(JSON.parse(JSON.stringify(chosen))).toEqual(chosen);
  });
});

describe('routing schema', () => {
  it('names the key path of a bad matcher, in list and string form', () => {
    expect(
      refused({
        team: 'ops',
        channels: [],
        routes: [{ matchers: 'a="b"' }, { matchers: ['severity="critical"', 'team=~"(db"'] }],
      }),
    ).toEqual([
      expect.stringMatching(
        /^routing\.routes\.1\.matchers\.1: invalid matcher "team=~\\"\(db\\"": invalid regular expression: /,
      ),
    ]);
    expect(
      refused({ team: 'ops', channels: [], routes: [{ routes: [{ matchers: 'severity critical' }] }] }),
    ).toEqual([
      'routing.routes.0.routes.0.matchers: invalid matcher "severity critical": expected name="value"',
    ]);
  });

  it('refuses wrong types and unknown keys by path', () => {
    expect(
      refused({ team: 'ops', channels: [], routes: [{ matchers: 3, continue: 'yes', chanels: ['x'] }] }),
    ).toEqual([
      'routing.routes.0.matchers: expected a matcher string or a list of them',
      'routing.routes.0.continue: Invalid input: expected boolean, received string',
      'routing.routes.0.chanels: unknown field',
    ]);
    expect(refused({ team: 'ops', channels: [''] })).toEqual([
      'routing.channels.0: Too small: expected string to have >=1 characters',
    ]);
  });

  it("reads a route's correlation, and refuses one without label names", () => {
    const t = tree({
      team: 'ops',
      channels: [],
      routes: [{ matchers: 'a="b"', correlation: { by: ['service', 'cluster_2'], window: '30m' } }],
    });
    expect(t.routes[0]?.correlation).toEqual({ by: ['service', 'cluster_2'], window: 1_800_000 });
    const bad = (by: unknown) => refused({ team: 'ops', channels: [], correlation: { by, window: '5m' } });
    expect(bad([])).toEqual(['routing.correlation.by: Too small: expected array to have >=1 items']);
    for (const name of ['1service', 'service-name', 'service name', ''])
      expect(bad([name])).toEqual(['routing.correlation.by.0: must be a label name']);
  });

  it('reports its problems as custom issues', () => {
    const codes = (routing: unknown) => configSection.safeParse({ routing }).error?.issues.map((i) => i.code);
    expect(codes({ team: 'ops', channels: [], routes: [{ matchers: 'x=~"("' }] })).toEqual(['custom']);
    expect(codes({ team: 'ops', channels: [], continue: true })).toEqual(['custom']);
  });

  it('requires the default route to catch everything and say who is reached', () => {
    expect(refused({ matchers: 'a="b"', continue: true })).toEqual([
      'routing.matchers: the default route matches every alert',
      'routing.continue: the default route has no siblings',
      'routing.team: the default route must name a team',
      'routing.channels: the default route must list its channels',
    ]);
  });
});

describe('routing.example.yml', () => {
  const doc = yaml.load(readFileSync(join(__dirname, '..', 'routing.example.yml'), 'utf8'));
  const example = configSection.parse(doc).routing;
  const reached = (labels: Record<string, string>) =>
    route(example, labels).map(({ team, channels, escalation }) => ({ team, channels, escalation }));

  it('pages the on-call for a critical alert, and also logs it in production', () => {
    expect(reached({ severity: 'critical', service: 'web' })).toEqual([
      { team: 'ops', channels: ['ops-slack', 'ops-email'], escalation: 'page-oncall' },
    ]);
    expect(reached({ severity: 'critical', env: 'prod' })).toEqual([
      { team: 'ops', channels: ['incident-log'], escalation: undefined },
      { team: 'ops', channels: ['ops-slack', 'ops-email'], escalation: 'page-oncall' },
    ]);
  });

  it('sends a warning to Slack only, with no escalation', () => {
    expect(reached({ severity: 'warning' })).toEqual([
      { team: 'ops', channels: ['ops-slack'], escalation: undefined },
    ]);
  });

  it('routes by component before severity', () => {
    expect(reached({ severity: 'critical', component: 'postgres' })).toEqual([
      { team: 'dba', channels: ['dba-slack', 'dba-email'], escalation: 'page-dba-oncall' },
    ]);
    expect(reached({ severity: 'warning', component: 'redis' })).toEqual([
      { team: 'dba', channels: ['dba-slack'], escalation: undefined },
    ]);
  });

  it('records info without notifying, and sends anything unclaimed to the default route', () => {
    expect(reached({ severity: 'info' })).toEqual([{ team: 'ops', channels: [], escalation: undefined }]);
    expect(route(example, { alertname: 'Unlabelled' })).toEqual([
      { path: [], key: '{}', team: 'ops', channels: ['ops-email'] },
    ]);
  });
});
