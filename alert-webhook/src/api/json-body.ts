import express, { type RequestHandler } from 'express';
import { sendError } from '@vigil/service-kit';
import type { ApiTokenEntry } from '../config';
import { unstorableText, verifyUtf8 } from '../webhook/unicode';
import { requireRole } from './auth';
import { contentTypeProblem } from './content-type';

const parse = express.json({ limit: '64kb', verify: verifyUtf8, strict: false });

/**
 * The REST API's JSON bodies. A body that is not JSON is refused with 415: parsed as no body, an
 * acknowledge's note sent as text/plain would have been dropped silently. Any JSON value is read (not only
 * objects and arrays), so that `"hello"` is refused by the route's schema as not an object rather than
 * called invalid JSON.
 */
const jsonBody: RequestHandler = (req, res, next) => {
  const length = Number(req.headers['content-length'] ?? 0);
  const hasBody = req.headers['transfer-encoding'] !== undefined || length > 0;
  if (!hasBody) return next();
  const problem = contentTypeProblem(req.headers['content-type']);
  if (problem) return sendError(res, 415, 'unsupported_media_type', problem);
  parse(req, res, (err?: unknown) => {
    if (err) return next(err);
    // As the webhook refuses them: JSON.parse makes a lone surrogate of `\ud800`, which would be stored as
    // U+FFFD (or refused by PostgreSQL, as NUL is).
    const unstorable = unstorableText(JSON.stringify(req.body) ?? '', req.body);
    if (unstorable)
      return sendError(res, 400, 'invalid_request', 'the body holds text that cannot be stored', [
        unstorable,
      ]);
    next();
  });
};

/**
 * A responder's route that takes a body: the token and role first, so a caller who may not write gets 401
 * or 403, not 400, 413 or 415 about a body nobody let them send; and only that route reads a body.
 */
export function responderWithBody(tokens: ApiTokenEntry[]): RequestHandler {
  const responder = requireRole(tokens, 'responder');
  return (req, res, next) => responder(req, res, () => jsonBody(req, res, next));
}
