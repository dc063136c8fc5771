import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { ConfigError, formatPath } from './problems';
import { sendError } from './http-error';
import type { Runtime } from './runtime';
import { within } from './within';

export interface OpsHooks {
  /**
   * The service's own metrics, appended to the runtime's (process, Node.js, build and reload); bytes as
   * they are, for an exporter that keeps its exposition encoded.
   */
  metrics?: () => string | Buffer | Promise<string | Buffer>;
  /** Why the service cannot serve yet (e.g. "database unreachable"); undefined when ready. */
  notReady?: () => string | undefined | Promise<string | undefined>;
  /** How long notReady may take before the probe answers "not ready" anyway (default READY_TIMEOUT_MS). */
  readyTimeoutMs?: number;
}

/**
 * A readiness check that hangs (a database gone without a reset: no answer until TCP gives up, minutes
 * later) answers "not ready" after this long, rather than holding the probe's request open for good.
 */
export const READY_TIMEOUT_MS = 5000;

/**
 * An express app with what every service answers the same way: `/healthz` (alive), `/readyz` (able to
 * serve), `/metrics`, and `POST /-/reload` (Prometheus's spelling `/-/healthy` and `/-/ready` too).
 * The service adds its own routes, then calls `finishApp`.
 */
export function serviceApp(runtime: Runtime, hooks: OpsHooks, log: Logger): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const healthy = (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  };
  // Logged when readiness changes, not at every probe: a load balancer polling a starting service would
  // otherwise fill the log with the same warning.
  let lastReason: string | undefined;
  const readyTimeoutMs = hooks.readyTimeoutMs ?? READY_TIMEOUT_MS;
  const check = (): Promise<string | undefined> =>
    within(
      Promise.resolve(hooks.notReady?.()).catch((err: unknown) => String(err)),
      readyTimeoutMs,
      () => `readiness check gave no answer within ${readyTimeoutMs} ms`,
    );
  const ready = async (_req: Request, res: Response) => {
    const reason = await check();
    if (reason !== lastReason) {
      if (reason === undefined) log.info('ready');
      else log.warn({ reason }, 'not ready');
      lastReason = reason;
    }
    if (reason === undefined) res.json({ status: 'ready' });
    else sendError(res, 503, 'not_ready', reason);
  };
  app.get(['/healthz', '/-/healthy'], healthy);
  app.get(['/readyz', '/-/ready'], ready);
  app.get('/metrics', async (_req, res) => {
    const own = hooks.metrics ? await hooks.metrics() : '';
    const base = await runtime.registry.metrics();
    res.setHeader('Content-Type', runtime.registry.contentType);
    res.send(typeof own === 'string' ? base + own : Buffer.concat([Buffer.from(base), own]));
  });
  // POST or PUT, as Prometheus takes either.
  app.route('/-/reload').all(async (req, res, next) => {
    if (req.method !== 'POST' && req.method !== 'PUT') return next();
    if (!runtime.reload) return sendError(res, 503, 'unavailable', 'reloading is not set up in this process');
    try {
      await runtime.reload();
      res.json({ status: 'reloaded' });
    } catch (err) {
      // As every error's details: the key at fault, and what is wrong there (with its file:line:col).
      const problems =
        err instanceof ConfigError
          ? err.problems.map((p) => ({
              field: formatPath(p.path),
              message: p.position ? `${p.position}: ${p.message}` : p.message,
            }))
          : [];
      sendError(res, 500, 'reload_failed', `failed to reload config: ${(err as Error).message}`, problems);
    }
  });
  // Another method on one of these paths is a 405 naming the right ones, not a 404 that reads as "no
  // such endpoint" (a GET /-/reload would say reloading does not exist).
  const methods: [string[], string][] = [
    [['/healthz', '/-/healthy', '/readyz', '/-/ready', '/metrics'], 'GET, HEAD'],
    [['/-/reload'], 'POST, PUT'],
  ];
  for (const [paths, allow] of methods) {
    app.all(paths, (req, res) => {
      res.setHeader('Allow', allow);
      sendError(
        res,
        405,
        'method_not_allowed',
        `${req.method} ${req.path}: use ${allow.replace(', ', ' or ')}`,
      );
    });
  }
  return app;
}

/** A failure with an HTTP status and error code, thrown by handlers and answered in the one error shape. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
}

/**
 * Why a request body could not be read (body-parser's and zlib's errors), as the answer it gets: over the
 * limit, an unknown or broken content coding, or JSON that does not parse. Undefined for other errors.
 */
export function bodyReadError(
  err: unknown,
  req: Request,
): { status: 400 | 413 | 415; code: string; message: string } | undefined {
  const e = err as { type?: string; message?: string; code?: unknown };
  if (e.type === 'entity.too.large')
    return { status: 413, code: 'too_large', message: e.message ?? 'request body too large' };
  // RFC 9110: a content coding the server does not know is a 415, as a wrong content type is.
  if (e.type === 'encoding.unsupported')
    return {
      status: 415,
      code: 'unsupported_media_type',
      message: `${e.message ?? 'unsupported content encoding'}: send it as identity, gzip, deflate or br`,
    };
  // zlib's and brotli's errors, raised while the body is inflated.
  if (typeof e.code === 'string' && /^(Z_|ERR__ERROR|ERR_BROTLI)/.test(e.code))
    return {
      status: 400,
      code: 'invalid_encoding',
      message: `the body is not valid ${String(req.headers['content-encoding'])} data (${e.code})`,
    };
  if (e.type === 'entity.parse.failed')
    return { status: 400, code: 'invalid_json', message: 'request body is not valid JSON' };
  return undefined;
}

/**
 * Ends an app: unknown paths get 404, and errors the one JSON shape. `handle` sees each error first and
 * returns true when it answered (e.g. a service's own transient-database case).
 */
export function finishApp(
  app: Express,
  log: Logger,
  handle?: (err: unknown, res: Response) => boolean,
): Express {
  app.use((_req: Request, res: Response) => sendError(res, 404, 'not_found', 'no such endpoint'));
  // Express needs the four-argument signature to treat this as the error handler.
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    if (handle?.(err, res)) return;
    if (err instanceof HttpError) return sendError(res, err.status, err.code, err.message, err.details);
    const unread = bodyReadError(err, req);
    if (unread) return sendError(res, unread.status, unread.code, unread.message);
    // Express could not decode a path parameter (`/incidents/%ff`): such a path names no resource.
    if (err instanceof URIError)
      return sendError(res, 404, 'not_found', 'no such resource: the path holds a malformed %-escape');
    const e = err as { status?: number; message?: string };
    if (typeof e.status === 'number' && e.status >= 400 && e.status < 500)
      return sendError(res, e.status, 'bad_request', e.message ?? 'bad request');
    log.error({ err }, 'unhandled error');
    sendError(res, 500, 'internal', 'internal error');
  });
  return app;
}
