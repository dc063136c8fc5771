import express, { Router, type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { isTransientDbError } from '../db/database';
import type { Inbox } from '../inbox/inbox';
import type { Heartbeats } from '../heartbeats/tracker';
import type { Metrics } from '../metrics';
import { bodyReadError, sendError } from '@vigil/service-kit';
import { webhookAuthorized } from '../api/auth';
import { validatePayload, type DeliveryHead, type WebhookPayload } from './payload';
import { invalidUtf8Error, unstorableText } from './unicode';
import { contentTypeProblem } from '../api/content-type';

/** POST /api/v1/alertmanager: validate, store durably, then 200. Never 429: Alertmanager drops those. */
export function webhookRouter(
  config: Config,
  inbox: Inbox,
  metrics: Metrics,
  log: Logger,
  heartbeats: Heartbeats,
): Router {
  const router = Router();
  const outcome = metrics.webhookRequests;
  const raw = express.raw({ type: () => true, limit: config.server.body_limit_bytes });
  // Credentials, then the content type, and only then is the body read.
  const admit: RequestHandler = (req, res, next) => {
    if (!webhookAuthorized(req, config.webhook)) {
      outcome.inc({ outcome: 'unauthorized' });
      res.setHeader('WWW-Authenticate', 'Bearer realm="vigil-webhook", Basic realm="vigil-webhook"');
      return sendError(res, 401, 'unauthorized', 'webhook credentials missing or wrong');
    }
    // Only a sender with credentials makes merging wait.
    inbox.receiving(req, res);
    const problem = contentTypeProblem(req.headers['content-type']);
    if (problem) {
      outcome.inc({ outcome: 'invalid' });
      return sendError(res, 415, 'unsupported_media_type', problem);
    }
    next();
  };
  router.post('/alertmanager', admit, raw, async (req, res) => {
    const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    // Decoding would turn bytes that are not UTF-8 into U+FFFD without a word: refused instead.
    const notUtf8 = invalidUtf8Error(bytes);
    if (notUtf8) {
      outcome.inc({ outcome: 'invalid' });
      return sendError(res, 400, notUtf8.code, notUtf8.message);
    }
    const text = bytes.toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      outcome.inc({ outcome: 'invalid' });
      return sendError(res, 400, 'invalid_json', `request body is not valid JSON: ${(err as Error).message}`);
    }
    const unstorable = unstorableText(text, body);
    if (unstorable) {
      outcome.inc({ outcome: 'invalid' });
      return sendError(res, 400, 'invalid_payload', 'the body holds text that cannot be stored', [
        unstorable,
      ]);
    }
    // A parsed copy only for what reads more of the delivery than its head: merging in process, and
    // heartbeats, whose alerts are taken out before it is stored.
    let copied = inbox.keepsPayload ? validatePayload(body) : undefined;
    let checked = copied ?? validatePayload(body, 'check');
    if (!copied && checked.ok && heartbeats.claims(checked.payload)) checked = copied = validatePayload(body);
    if (!checked.ok) {
      outcome.inc({ outcome: 'invalid' });
      return sendError(
        res,
        400,
        'invalid_payload',
        'not an Alertmanager webhook payload (version 4)',
        checked.details,
      );
    }
    const total = checked.payload.alerts.length;
    const firing = checked.payload.alerts.filter((a) => a.status === 'firing').length;
    let rest: DeliveryHead | undefined = checked.payload;
    let parsed: WebhookPayload | undefined;
    if (copied?.ok) {
      try {
        // Heartbeat alerts are recorded, not merged into incidents; the rest is stored as it came.
        rest = parsed = await heartbeats.receive(copied.payload, new Date().toISOString());
      } catch (err) {
        return unavailable(res, err);
      }
    }
    const stored = rest === checked.payload ? bytes : parsed && restText(parsed);
    if (stored === null) {
      outcome.inc({ outcome: 'invalid' });
      return sendError(res, 400, 'invalid_payload', 'the body nests too deeply to be stored');
    }
    const beats = total - (rest?.alerts.length ?? 0);
    // Not awaited here: this frame holds the parsed payload and the body, which would outlive the commit.
    return answer(res, rest && stored ? inbox.store(stored, rest, parsed) : Promise.resolve(null), {
      total,
      firing,
      beats,
    });
  });
  /** Answers once the delivery is committed (or found nothing to store). */
  async function answer(
    res: Response,
    stored: Promise<number | null>,
    { total, firing, beats }: { total: number; firing: number; beats: number },
  ) {
    try {
      const id = await stored;
      outcome.inc({ outcome: 'accepted' });
      // Two increments per delivery rather than one per alert: a storm's notifications carry hundreds.
      if (firing > 0) metrics.alertsReceived.inc({ status: 'firing' }, firing);
      if (total > firing) metrics.alertsReceived.inc({ status: 'resolved' }, total - firing);
      // Written out, not res.json: Express would hash every answer for an ETag, which no POST's needs.
      res
        .type('application/json')
        .end(JSON.stringify({ status: 'accepted', inbox_id: id, ...(beats > 0 && { heartbeats: beats }) }));
    } catch (err) {
      unavailable(res, err);
    }
  }
  function unavailable(res: Response, err: unknown) {
    const transient = isTransientDbError(err);
    outcome.inc({ outcome: transient ? 'unavailable' : 'error' });
    log.error({ err }, 'could not store a webhook delivery');
    res.setHeader('Retry-After', '1');
    sendError(res, 503, 'unavailable', 'could not store the delivery; retry');
  }
  // A body that could not be read is counted here, with the webhook's other outcomes; the app answers it.
  const unread: ErrorRequestHandler = (err: unknown, req, _res, next) => {
    const problem = bodyReadError(err, req);
    if (problem) outcome.inc({ outcome: problem.status === 413 ? 'too_large' : 'invalid' });
    next(err);
  };
  router.use('/alertmanager', unread);
  return router;
}

/**
 * The delivery without its heartbeat alerts, as UTF-8 JSON; null for a body nested deeper than stringify's
 * recursion goes (JSON.parse took it), which would be refused as often as Alertmanager sent it again.
 */
function restText(rest: WebhookPayload): Buffer | null {
  try {
    return Buffer.from(JSON.stringify(rest));
  } catch (err) {
    if (err instanceof RangeError) return null;
    throw err;
  }
}
