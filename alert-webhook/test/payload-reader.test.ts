import fc from 'fast-check';
import { checkWebhookPayload, readWebhookPayload, webhookPayload } from '@vigil/api-contract';
import { validatePayload } from '../src/webhook/payload';
import { notification } from './helpers';

// The receiver reads a delivery by hand (readWebhookPayload) and asks the zod schema only when that read
// gives up: the two must never differ on what is accepted and what it becomes.

const times = fc.oneof(
  fc
    .date({ min: new Date('1970-01-02'), max: new Date('9999-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '0001-01-01T00:00:00Z',
    '2026-11-22T10:00:00.123456789+01:00',
    '2026-02-29T10:00:00Z',
    '2026-11-22 10:00:00Z',
    '1',
    '',
  ),
);
const labelMap = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('alertname', 'constructor', 'toString')),
  fc.string({ maxLength: 8 }),
  { maxKeys: 5 },
);
const alert = fc.record(
  {
    status: fc.constantFrom('firing', 'resolved'),
    labels: labelMap,
    annotations: labelMap,
    startsAt: times,
    endsAt: times,
    generatorURL: fc.string({ maxLength: 10 }),
    fingerprint: fc.string({ maxLength: 6 }),
    extra: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['status', 'labels', 'startsAt'] },
);
const payload = fc.record(
  {
    version: fc.constantFrom('4', '1'),
    groupKey: fc.string({ minLength: 1, maxLength: 8 }),
    truncatedAlerts: fc.nat(),
    status: fc.constantFrom('firing', 'resolved'),
    receiver: fc.string({ minLength: 1, maxLength: 8 }),
    groupLabels: labelMap,
    commonLabels: labelMap,
    commonAnnotations: labelMap,
    externalURL: fc.string({ maxLength: 10 }),
    alerts: fc.array(alert, { minLength: 1, maxLength: 4 }),
    orgId: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['version', 'groupKey', 'status', 'receiver', 'alerts'] },
);

/** One value somewhere in the payload (a field, an alert's field, a label) replaced or removed. */
function corrupt(body: Record<string, unknown>, path: string[], value: unknown): unknown {
  const copy = structuredClone(body);
  let at: Record<string, unknown> = copy;
  for (const step of path.slice(0, -1)) {
    const next = at[step];
    if (next === null || typeof next !== 'object') return copy;
    at = next as Record<string, unknown>;
  }
  const last = path[path.length - 1] as string;
  if (value === undefined) delete at[last];
  else at[last] = value;
  return copy;
}
const fields = [
  'version',
  'groupKey',
  'truncatedAlerts',
  'status',
  'receiver',
  'groupLabels',
  'externalURL',
  'alerts',
];
const alertFields = ['status', 'labels', 'annotations', 'startsAt', 'endsAt', 'generatorURL', 'fingerprint'];
const paths = fc.oneof(
  fc.constantFrom(...fields).map((f) => [f]),
  fc.tuple(fc.nat(4), fc.constantFrom(...alertFields)).map(([i, f]) => ['alerts', String(i), f]),
  fc.tuple(fc.nat(4), fc.constantFrom('alertname', 'x')).map(([i, l]) => ['alerts', String(i), 'labels', l]),
);
const wrongValues = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constant(undefined),
  fc.constantFrom(null, '', -1, 1.5, 2 ** 60, [], {}, 'firing', '4', '2026-11-22T10:00:00Z'),
);

describe('readWebhookPayload', () => {
  it('reads what the schema accepts, as the schema outputs it', () => {
    fc.assert(
      fc.property(payload, (body) => {
        const schema = webhookPayload.safeParse(body);
        const read = readWebhookPayload(body);
        expect(read).toStrictEqual(schema.success ? schema.data : undefined);
      }),
      { numRuns: 500 },
    );
  });

  it('gives up on anything the schema refuses, and otherwise reads it as the schema does', () => {
    fc.assert(
      fc.property(payload, paths, wrongValues, (body, path, value) => {
        const sent = corrupt(body, path, value);
        const schema = webhookPayload.safeParse(sent);
        expect(readWebhookPayload(sent)).toStrictEqual(schema.success ? schema.data : undefined);
      }),
      { numRuns: 2000 },
    );
  });

  it('checks (checkWebhookPayload) exactly what it reads, giving the body itself, untouched', () => {
    fc.assert(
      fc.property(payload, paths, wrongValues, fc.boolean(), (body, path, value, corrupted) => {
        const sent = corrupted ? corrupt(body, path, value) : body;
        const before = JSON.stringify(sent);
        const read = readWebhookPayload(sent);
        expect(checkWebhookPayload(sent)).toBe(read ? sent : undefined);
        expect(JSON.stringify(sent)).toBe(before);
      }),
      { numRuns: 2000 },
    );
  });

  it("is what validatePayload answers for Alertmanager's deliveries, and the schema names the problems of others", () => {
    const body = notification([{ fingerprint: 'a' }, { fingerprint: 'b', status: 'resolved' }]);
    const checked = validatePayload(body);
    expect(checked).toEqual({ ok: true, payload: readWebhookPayload(body) });
    expect(validatePayload({ ...body, truncatedAlerts: -1 })).toEqual({
      ok: false,
      details: [{ field: 'truncatedAlerts', message: expect.stringMatching(/>=0/) }],
    });
  });

  it('refuses an alert without startsAt in a process yet to read a time, its memo of valid times empty', async () => {
    const body = notification([{ fingerprint: 'a' }]);
    delete (body.alerts[0] as { startsAt?: string }).startsAt;
    await jest.isolateModulesAsync(async () => {
      const fresh = await import('@vigil/api-contract');
      expect(fresh.checkWebhookPayload(body)).toBeUndefined();
      expect(fresh.readWebhookPayload(body)).toBeUndefined();
    });
  });

  it('copies own keys only, even with an enumerable key given to Object.prototype', () => {
    const body = notification([{ fingerprint: 'a' }]);
    const expected = readWebhookPayload(body);
    Object.defineProperty(Object.prototype, 'polluted', { value: 'x', enumerable: true, configurable: true });
    try {
      const read = readWebhookPayload(body);
      expect(Object.keys(read ?? {})).toEqual(Object.keys(expected ?? {}));
      expect(Object.keys(read?.alerts[0]?.labels ?? {})).toEqual(
        Object.keys(expected?.alerts[0]?.labels ?? {}),
      );
    } finally {
      delete (Object.prototype as Record<string, unknown>).polluted;
    }
  });

  it('gives up on a field named __proto__ rather than set the copy’s prototype', () => {
    const body = JSON.parse(
      JSON.stringify(notification([{ fingerprint: 'a' }])).replace(
        '{"version"',
        '{"__proto__":{"x":1},"version"',
      ),
    );
    expect(readWebhookPayload(body)).toBeUndefined();
    expect(checkWebhookPayload(body)).toBeUndefined();
    const alertProto = JSON.parse(
      JSON.stringify(notification([{ fingerprint: 'a' }])).replace('{"status"', '{"__proto__":1,"status"'),
    );
    expect(checkWebhookPayload(alertProto)).toBeUndefined();
  });
});
