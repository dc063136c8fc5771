import { resolveHttpClient } from '@vigil/service-kit';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@vigil/service-kit';
import { parseConfig } from '../src/config';
import { PrometheusError, queryRange } from '../src/prometheus';
import { Updater } from '../src/updater';
import { closedPort, silentLog, startHttp } from './helpers';

const STEP = 60_000;
const NOW = 1_800_000_000_000;

/** A logger that keeps what it is told at warn level. */
function recordingLog() {
  const warnings: { fields: Record<string, unknown>; msg: string }[] = [];
  const log = {
    ...silentLog,
    warn: (fields: Record<string, unknown>, msg: string) => warnings.push({ fields, msg }),
  } as unknown as Logger;
  return { log, warnings };
}

const config = (url: string) =>
  parseConfig({ prometheus: { url }, step: '1m', history: '1d', queries: [{ name: 'load', query: 'load' }] });

describe('why Prometheus could not be queried, in the error and the log', () => {
  let hanging: Server | undefined;
  afterAll(() => {
    hanging?.closeAllConnections();
    hanging?.close();
  });

  const failureOf = async (url: string, timeoutMs = 5000) => {
    try {
      await queryRange(url, 'up', NOW, NOW, STEP, resolveHttpClient(undefined, 'http_config', timeoutMs));
    } catch (err) {
      expect(err).toBeInstanceOf(PrometheusError);
      return err as PrometheusError;
    }
    throw new Error('the query succeeded');
  };

  it('a refused connection: ECONNREFUSED and the address, logged with its code', async () => {
    const port = await closedPort();
    const err = await failureOf(`http://127.0.0.1:${port}`);
    expect(err.message).toBe(
      `cannot reach Prometheus at http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(err.details).toEqual({ code: 'ECONNREFUSED' });

    const { log, warnings } = recordingLog();
    await new Updater(config(`http://127.0.0.1:${port}`), log, () => NOW).runOnce();
    expect(warnings).toEqual([
      { msg: 'cannot pull query', fields: { query: 'load', err: err.message, code: 'ECONNREFUSED' } },
    ]);
  });

  it('no answer in time: the timeout and the key that sets it', async () => {
    hanging = createServer(() => undefined).listen(0, '127.0.0.1');
    await new Promise((resolve) => hanging!.once('listening', resolve));
    const { port } = hanging.address() as AddressInfo;
    const err = await failureOf(`http://127.0.0.1:${port}`, 300);
    expect(err.message).toBe(
      `Prometheus at http://127.0.0.1:${port} did not answer within 300ms (prometheus.timeout)`,
    );
    expect(err.details).toEqual({ code: 'timeout' });
  });

  it('a stop during a pull that gets no answer: returns at once, not a failure of Prometheus', async () => {
    let asked!: () => void;
    const reached = new Promise<void>((resolve) => (asked = resolve));
    const server = await startHttp(() => asked());
    try {
      const { log, warnings } = recordingLog();
      const cfg = parseConfig({
        prometheus: { url: server.url, timeout: '30s' },
        step: '1m',
        history: '1d',
        queries: [{ name: 'load', query: 'load' }],
      });
      const updater = new Updater(cfg, log, () => NOW);
      updater.start();
      await reached;
      const before = performance.now();
      await updater.stop();
      expect(performance.now() - before).toBeLessThan(5000);
      expect(warnings).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it("Prometheus's own error: the HTTP status, its errorType and message", async () => {
    const server = await startHttp((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'invalid parameter "query"' }));
    });
    try {
      const err = await failureOf(server.url);
      expect(err.message).toBe(
        `query failed: Prometheus at ${server.url} answered HTTP 400 Bad Request (bad_data): invalid parameter "query"`,
      );
      expect(err.details).toEqual({ status: 400, code: 'bad_data' });
    } finally {
      await server.close();
    }
  });

  /** What a round logs, and anomaly_up after it, when Prometheus answers these series (one sample each). */
  async function pullOf(metrics: Record<string, string>[]) {
    const result = metrics.map((metric) => ({ metric, values: [[NOW / 1000, '1']] }));
    const server = await startHttp((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
    });
    try {
      const { log, warnings } = recordingLog();
      const updater = new Updater(config(server.url), log, () => NOW);
      await updater.runOnce();
      return { warnings, up: updater.up };
    } finally {
      await server.close();
    }
  }

  it('series that differ only by __name__, which the exported series drop: the pull fails, naming them', async () => {
    expect(
      await pullOf([
        { __name__: 'up', instance: 'a' },
        { __name__: 'foo', instance: 'a' },
      ]),
    ).toEqual({
      up: false,
      warnings: [
        {
          msg: 'cannot pull query',
          fields: {
            query: 'load',
            err: 'the query gives {instance="a"} from two metrics (up, foo), which are one series once __name__ is dropped: give each metric its own query, or aggregate',
          },
        },
      ],
    });
  });

  it('series whose label names become one once made valid: the pull fails, naming them', async () => {
    expect(await pullOf([{ 'service.name': 'a' }, { service_name: 'a' }])).toEqual({
      up: false,
      warnings: [
        {
          msg: 'cannot pull query',
          fields: {
            query: 'load',
            err: 'the query gives {service.name="a"} and {service_name="a"}, which are one series, {service_name="a"}, once their label names are made valid: aggregate, or drop one of the labels',
          },
        },
      ],
    });
  });

  it("a URL with a user and password: sent as basic auth (as Go's client does it), the password never shown", async () => {
    const port = await closedPort();
    const err = await failureOf(`http://vigil:secret@127.0.0.1:${port}`);
    expect(err.message).toMatch(
      new RegExp(`^cannot reach Prometheus at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
    expect(err.message).not.toContain('secret');
    const seen: (string | undefined)[] = [];
    const server = await startHttp((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }));
    });
    try {
      const url = server.url.replace('//', '//vigil:secret@');
      await queryRange(url, 'up', NOW, NOW, STEP, resolveHttpClient(undefined, 'http_config', 5000));
      expect(seen).toEqual([`Basic ${Buffer.from('vigil:secret').toString('base64')}`]);
    } finally {
      await server.close();
    }
  });

  it('an answer that is not JSON: the status and the start of the body, cut at 200 characters', async () => {
    const server = await startHttp((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(`<html>\n<body>Bad gateway ${'x'.repeat(500)}</body></html>`);
    });
    try {
      const err = await failureOf(server.url);
      expect(err.message).toMatch(/answered HTTP 502 Bad Gateway, not JSON: <html> <body>Bad gateway x+…$/);
      expect(err.details.body).toHaveLength(201);
    } finally {
      await server.close();
    }
  });

  it.each([
    ['null', 'not an object'],
    ['{"status":"success","data":{"result":null}}', 'data.resultType is undefined, not matrix'],
    ['{"status":"success","data":{"resultType":"matrix","result":null}}', 'data.result is not a list'],
    [
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{}}]}}',
      'data.result[0] has no metric or no values',
    ],
    [
      '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[null]}]}}',
      'data.result[0].values[0] is not a [time, value] pair',
    ],
  ])('JSON not shaped as a query_range answer (%s): what is wrong and the body', async (body, why) => {
    const server = await startHttp((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    try {
      const err = await failureOf(server.url);
      expect(err.message).toBe(
        `Prometheus at ${server.url} answered HTTP 200 OK, not a query_range answer (${why}): ${body}`,
      );
      expect(err.details).toEqual({ status: 200, body });
    } finally {
      await server.close();
    }
  });
});
