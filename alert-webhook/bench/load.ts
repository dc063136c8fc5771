import http from 'node:http';

export interface LoadResult {
  seconds: number;
  latenciesMs: number[];
  failures: number;
}

/** POSTs one JSON body over `agent`; resolves with the status once the response has been read. */
export function postBody(agent: http.Agent, target: URL, body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Posts every body once, `concurrency` at a time over keep-alive connections, timing each request. Given
 * several URLs, body i goes to url[i % n] (replicas behind a load balancer).
 */
export async function postAll(
  url: string | string[],
  bodies: Buffer[],
  concurrency: number,
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const targets = (Array.isArray(url) ? url : [url]).map((u) => new URL(u));
  const latenciesMs: number[] = [];
  let failures = 0;
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const target = targets[next % targets.length] as URL;
      const body = bodies[next++] as Buffer;
      const started = process.hrtime.bigint();
      const status = await postBody(agent, target, body);
      latenciesMs.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (status !== 200) failures += 1;
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  agent.destroy();
  return { seconds, latenciesMs, failures };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}
