import express, { type RequestHandler } from 'express';
import { sendError } from '@vigil/service-kit';
import type { ApiTokenEntry } from '../config';
import { verifyUtf8 } from '../webhook/unicode';
import { presentedToken } from './auth';
import { contentTypeProblem } from './content-type';

/**
 * The REST API's JSON bodies. A request without a valid API token is passed on unread, for its route to
 * answer 401 (not 400 or 413 about a body nobody was entitled to send). A body that is not JSON is refused
 * with 415: parsed as no body, an acknowledge's note sent as text/plain would have been dropped silently.
 */
export function jsonBody(tokens: ApiTokenEntry[]): RequestHandler {
  const parse = express.json({ limit: '64kb', verify: verifyUtf8 });
  return (req, res, next) => {
    const length = Number(req.headers['content-length'] ?? 0);
    const hasBody = req.headers['transfer-encoding'] !== undefined || length > 0;
    if (!hasBody || !presentedToken(tokens, req)) return next();
    const problem = contentTypeProblem(req.headers['content-type']);
    if (problem) return sendError(res, 415, 'unsupported_media_type', problem);
    parse(req, res, next);
  };
}
