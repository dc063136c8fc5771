import type { ServerResponse } from 'node:http';
import type { Logger } from '@vigil/service-kit';
import { parseConfig } from '../src/config';
import { Updater } from '../src/updater';
import { silentLog, startHttp } from './helpers';

const NOW = 1_800_000_000_000;

const answer = (res: ServerResponse) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }));
};

/** Five queries, a Prometheus that takes 2s to time out. */
const config = (url: string) =>
  parseConfig({
    prometheus: { url, timeout: '2s' },
    step: '1m',
    history: '1h',
    queries: ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, query: name })),
  });

describe('pulling several queries', () => {
  it('pulls four at a time: a slow Prometheus delays a round by its slowness, not by that times each query', async () => {
    // Answers nothing until four requests wait at once, then every one at once.
    const waiting: ServerResponse[] = [];
    let released = false;
    let mostAtOnce = 0;
    const server = await startHttp((_req, res) => {
      if (released) return answer(res);
      waiting.push(res);
      mostAtOnce = Math.max(mostAtOnce, waiting.length);
      if (waiting.length === 4) {
        released = true;
        waiting.forEach(answer);
      }
    });
    try {
      const updater = new Updater(config(server.url), silentLog, () => NOW);
      await updater.runOnce();
      expect(updater.up).toBe(true);
      expect(mostAtOnce).toBe(4);
    } finally {
      await server.close();
    }
  });

  it('reports anomaly_up 0 as soon as one pull fails, while the others still wait', async () => {
    let failing = false;
    // Queries other than `a` wait while failing, until released.
    let released = false;
    const hanging: ServerResponse[] = [];
    const server = await startHttp((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const query = new URLSearchParams(body).get('query');
        if (!failing || released) return answer(res);
        if (query !== 'a') return void hanging.push(res);
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'no' }));
      });
    });
    let warned!: () => void;
    const failed = new Promise<void>((resolve) => (warned = resolve));
    const log = { ...silentLog, warn: () => warned() } as unknown as Logger;
    try {
      let now = NOW;
      const updater = new Updater(config(server.url), log, () => now);
      await updater.runOnce();
      expect(updater.up).toBe(true);
      failing = true;
      now += 60_000;
      const round = updater.runOnce();
      await failed;
      expect(updater.up).toBe(false);
      released = true;
      hanging.forEach(answer);
      await round;
      expect(updater.up).toBe(false);
    } finally {
      await server.close();
    }
  });
});
