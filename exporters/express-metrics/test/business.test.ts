import { Registry } from 'prom-client';
import { businessMetrics, expressMetrics, OVERFLOW } from '../src';

async function series(registry: Registry, name: string) {
  return (await registry.metrics())
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('business metrics', () => {
  it('registers typed counters, gauges and histograms on the registry', async () => {
    const registry = new Registry();
    const business = businessMetrics(registry);
    const orders = business.counter({
      name: 'shop_orders_total',
      help: 'Orders placed.',
      labelNames: ['plan'],
    });
    const queue = business.gauge({ name: 'shop_queue_depth', help: 'Jobs waiting.' });
    const value = business.histogram({
      name: 'shop_order_value_euros',
      help: 'Order value.',
      buckets: [10, 100],
    });
    orders.inc({ plan: 'pro' });
    orders.inc({ plan: 'pro' }, 2);
    queue.set({}, 7);
    queue.inc({});
    queue.dec({}, 2);
    value.observe({}, 42);
    expect(await series(registry, 'shop_orders_total')).toEqual(['shop_orders_total{plan="pro"} 3']);
    expect(await series(registry, 'shop_queue_depth')).toEqual(['shop_queue_depth 6']);
    expect(await series(registry, 'shop_order_value_euros_bucket')).toEqual([
      'shop_order_value_euros_bucket{le="10"} 0',
      'shop_order_value_euros_bucket{le="100"} 1',
      'shop_order_value_euros_bucket{le="+Inf"} 1',
    ]);
  });

  it("carries the middleware's service label on every series, also those bounded to other", async () => {
    const metrics = expressMetrics({ service: 'checkout' });
    const orders = metrics.business.counter({
      name: 'shop_orders_total',
      help: 'Orders placed.',
      labelNames: ['plan'],
      labelValues: { plan: ['pro'] },
    });
    metrics.business.gauge({ name: 'shop_queue_depth', help: 'Jobs waiting.' }).set({}, 3);
    orders.inc({ plan: 'pro' });
    orders.inc({ plan: 'free' });
    expect(await series(metrics.registry, 'shop_orders_total')).toEqual([
      'shop_orders_total{plan="pro",service="checkout"} 1',
      'shop_orders_total{plan="other",service="checkout"} 1',
    ]);
    expect(await series(metrics.registry, 'shop_queue_depth')).toEqual([
      'shop_queue_depth{service="checkout"} 3',
    ]);
  });

  it('refuses names and labels that break the naming conventions, saying which', () => {
    const business = businessMetrics(new Registry());
    const refused = (create: () => unknown) => {
      try {
        create();
      } catch (err) {
        return (err as Error).message;
      }
      return 'accepted';
    };
    expect(refused(() => business.counter({ name: 'shop_orders', help: 'x' }))).toBe(
      `business metric "shop_orders": a counter's name must end in _total`,
    );
    expect(refused(() => business.gauge({ name: 'shop_open_total', help: 'x' }))).toMatch(
      /only counters end in _total/,
    );
    expect(refused(() => business.histogram({ name: 'shop_latency_ms', help: 'x', buckets: [1] }))).toMatch(
      /"ms" is not a base unit: use seconds/,
    );
    expect(refused(() => business.gauge({ name: 'shop_cache_megabytes', help: 'x' }))).toMatch(/use bytes/);
    expect(refused(() => business.gauge({ name: 'shop_disk_percent', help: 'x' }))).toMatch(/ratio/);
    expect(refused(() => business.counter({ name: 'ShopOrders_total', help: 'x' }))).toMatch(/snake_case/);
    expect(refused(() => business.counter({ name: 'orders', help: 'x' }))).toMatch(/application prefix/);
    expect(refused(() => business.counter({ name: 'shop_a_total', help: ' ' }))).toMatch(/help/);
    expect(
      refused(() => business.counter({ name: 'shop_b_total', help: 'x', labelNames: ['userId'] })),
    ).toMatch(/label "userId" must be snake_case/);
    expect(
      refused(() => business.counter({ name: 'shop_c_total', help: 'x', labelNames: ['service'] })),
    ).toMatch(/label "service" is reserved/);
    expect(refused(() => business.counter({ name: 'shop_d_total', help: 'x', maxSeries: 0 }))).toMatch(
      /maxSeries/,
    );
    expect(refused(() => business.counter({ name: 'shop_e_total' } as never))).toMatch(/help must say/);
    for (const buckets of [[1, 0.5], [], [0.1, Infinity]])
      expect(refused(() => business.histogram({ name: 'shop_wait_seconds', help: 'x', buckets }))).toBe(
        'business metric "shop_wait_seconds": buckets must be finite numbers in increasing order',
      );
  });

  it('records label values outside labelValues as "other"', async () => {
    const registry = new Registry();
    const orders = businessMetrics(registry).counter({
      name: 'shop_orders_total',
      help: 'Orders placed.',
      labelNames: ['plan'],
      labelValues: { plan: ['free', 'pro'] },
    });
    for (const plan of ['free', 'pro', 'pro', 'hacker', 'user-1234']) orders.inc({ plan });
    expect(await series(registry, 'shop_orders_total')).toEqual([
      'shop_orders_total{plan="free"} 1',
      'shop_orders_total{plan="pro"} 2',
      `shop_orders_total{plan="${OVERFLOW}"} 2`,
    ]);
  });

  it('keeps at most maxSeries label combinations, counting the rest under "other"', async () => {
    const registry = new Registry();
    const logins = businessMetrics(registry).counter({
      name: 'shop_logins_total',
      help: 'Logins.',
      labelNames: ['country', 'method'],
      maxSeries: 3,
    });
    for (let i = 0; i < 50; i++) logins.inc({ country: `c${i}`, method: 'password' });
    logins.inc({ country: 'c1', method: 'password' });
    const lines = await series(registry, 'shop_logins_total');
    expect(lines).toHaveLength(4);
    expect(lines).toContain('shop_logins_total{country="c1",method="password"} 2');
    expect(lines).toContain('shop_logins_total{country="other",method="other"} 47');
  });
});
