import type { Response } from 'express';

/** DESIGN.md's error shape: {"error": {"code", "message", "details"}}. */
export function sendError(
  res: Response,
  status: number,
  code: string,
  message: string,
  details: unknown[] = [],
) {
  res.status(status).json({ error: { code, message, details } });
}

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
