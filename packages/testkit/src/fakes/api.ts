import type { IncomingHttpHeaders } from 'node:http';
import { startHttp } from '../ports';

export interface ApiRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

export interface ApiReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeApi {
  url: string;
  /** Every request, in order of arrival. */
  requests: ApiRequest[];
  /** The next `count` requests are answered 429 (with `Retry-After` when given), as a rate limit would. */
  throttle(count: number, retryAfterSeconds?: number): void;
  /** The next `count` requests are answered `reply` and not carried out, as in an outage (a proxy's 503). */
  outage(count: number, reply: ApiReply): void;
  /**
   * The next `count` requests are carried out but never answered (the connection stays open until the
   * caller gives up or the fake closes): a crash of the caller after the API acted on a request is
   * simulated by killing it while it waits.
   */
  withhold(count: number): void;
  close: () => Promise<void>;
}

/**
 * A fake of a SaaS API on 127.0.0.1: keeps every request, answers with `answer` (JSON bodies), except
 * while throttled, when it answers `throttled` with 429.
 */
export async function startFakeApi(
  answer: (req: ApiRequest) => ApiReply,
  throttled: (req: ApiRequest) => ApiReply,
): Promise<FakeApi> {
  const requests: ApiRequest[] = [];
  let throttle = { left: 0, retryAfter: undefined as number | undefined };
  let withheld = 0;
  let outage = { left: 0, reply: { status: 503 } as ApiReply };
  const server = await startHttp((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: ApiRequest = {
        method: req.method ?? '',
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      requests.push(request);
      let reply: ApiReply;
      if (outage.left > 0) {
        outage.left -= 1;
        reply = outage.reply;
      } else if (throttle.left > 0) {
        throttle.left -= 1;
        reply = throttled(request);
        if (throttle.retryAfter !== undefined)
          reply = { ...reply, headers: { ...reply.headers, 'retry-after': String(throttle.retryAfter) } };
      } else reply = answer(request);
      if (withheld > 0) {
        withheld -= 1;
        return;
      }
      const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...reply.headers });
      res.end(text);
    });
  });
  return {
    url: server.url,
    requests,
    throttle: (count, retryAfterSeconds) => {
      throttle = { left: count, retryAfter: retryAfterSeconds };
    },
    outage: (count, reply) => {
      outage = { left: count, reply };
    },
    withhold: (count) => {
      withheld = count;
    },
    close: server.close,
  };
}
