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
