import type { CheckConfig, ServiceConfig } from '../src/config';
import { parseConfig } from '../src/config';
import { evaluateHealth } from '../src/health';
import type { CheckResult } from '../src/run';

/** Health of services from a config doc, where the checks named in `down` ("service/check") fail. */
function evaluate(
  services: Record<string, { depends_on?: string[]; checks?: string[]; optional?: string[] }>,
  down: string[],
) {
  const doc = Object.fromEntries(
    Object.entries(services).map(([name, s]) => [
      name,
      {
        depends_on: s.depends_on,
        checks: [
          ...(s.checks ?? ['main']).map((c) => ({ name: c, kind: 'tcp', host: 'h', port: 1 })),
          ...(s.optional ?? []).map((c) => ({ name: c, kind: 'tcp', host: 'h', port: 1, critical: false })),
        ],
      },
    ]),
  );
  const config = parseConfig({ services: doc });
  const result = (check: CheckConfig): CheckResult => ({
    success: !down.includes(`${check.service}/${check.name}`),
    durationSeconds: 0.01,
    finishedAt: 0,
  });
  const health = evaluateHealth(config.services, result);
  return Object.fromEntries(
    [...health].map(([name, h]) => [
      name,
      h.rootCauses.length ? `${h.status} <- ${h.rootCauses.join(',')}` : h.status,
    ]),
  );
}

describe('dependency-aware service health', () => {
  it('reports ok, degraded (a non-critical check fails) and down (a critical check fails)', () => {
    expect(evaluate({ a: {}, b: { optional: ['extra'] }, c: {} }, ['b/extra', 'c/main'])).toEqual({
      a: 'ok',
      b: 'degraded',
      c: 'down',
    });
  });

  it('marks dependents of a down root as impacted, naming the root, through the whole chain', () => {
    const chain = { db: {}, api: { depends_on: ['db'] }, web: { depends_on: ['api'] } };
    expect(evaluate(chain, ['db/main'])).toEqual({
      db: 'down',
      api: 'impacted <- db',
      web: 'impacted <- db',
    });
  });

  it('reports a failing dependent as impacted, not down, when its dependency is down', () => {
    const chain = { db: {}, api: { depends_on: ['db'] } };
    expect(evaluate(chain, ['db/main', 'api/main'])).toEqual({ db: 'down', api: 'impacted <- db' });
  });

  it('names every root cause once, across a diamond and several roots', () => {
    const graph = {
      db: {},
      cache: {},
      users: { depends_on: ['db'] },
      orders: { depends_on: ['db', 'cache'] },
      web: { depends_on: ['users', 'orders'] },
    };
    expect(evaluate(graph, ['db/main', 'cache/main'])).toEqual({
      db: 'down',
      cache: 'down',
      users: 'impacted <- db',
      orders: 'impacted <- cache,db',
      web: 'impacted <- cache,db',
    });
  });

  it('does not impact dependents of a degraded dependency', () => {
    expect(evaluate({ db: { optional: ['replica'] }, api: { depends_on: ['db'] } }, ['db/replica'])).toEqual({
      db: 'degraded',
      api: 'ok',
    });
  });

  it('is unknown until every check has a result, unless one already failed', () => {
    const config = parseConfig({
      services: {
        a: {
          checks: [
            { name: 'x', kind: 'tcp', host: 'h', port: 1 },
            { name: 'y', kind: 'tcp', host: 'h', port: 2 },
          ],
        },
      },
    });
    const [x] = (config.services[0] as ServiceConfig).checks;
    const only = (success: boolean) => (c: CheckConfig) =>
      c === x ? { success, durationSeconds: 0, finishedAt: 0 } : undefined;
    expect(evaluateHealth(config.services, only(true)).get('a')?.status).toBe('unknown');
    expect(evaluateHealth(config.services, only(false)).get('a')?.status).toBe('down');
  });
});
