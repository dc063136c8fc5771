import type { ServerResponse } from 'node:http';
import type { Response } from 'express';

/** The one error body of every Vigil endpoint: {"error": {"code", "message", "details"}}. */
export function errorBody(code: string, message: string, details: unknown[] = []) {
  return { error: { code, message, details } };
}

export function sendError(
  res: Response,
  status: number,
  code: string,
  message: string,
  details: unknown[] = [],
) {
  res.status(status).json(errorBody(code, message, details));
}

/** The same error from a plain Node handler, before express sees the request. */
export function writeError(res: ServerResponse, status: number, code: string, message: string) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(errorBody(code, message)));
}
