import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { hasRole, type Caller, type Role } from '@vigil/api-contract';
import { sha256, type ApiTokenEntry, type Config } from '../config';
import { sendError } from '@vigil/service-kit';
import { effectiveTokens } from './initial-admin-token';

export type { Caller };

/** The credentials of an Authorization header of `scheme`, which is case-insensitive (RFC 9110 11.1). */
function credentials(req: Request, scheme: 'Bearer' | 'Basic'): string | undefined {
  const header = req.headers.authorization ?? '';
  const prefix = `${scheme.toLowerCase()} `;
  return header.slice(0, prefix.length).toLowerCase() === prefix
    ? header.slice(prefix.length).trim()
    : undefined;
}

function bearer(req: Request): string | undefined {
  return credentials(req, 'Bearer');
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Compares against every token so the time taken does not reveal which one (or whether any) matched. */
export function findToken(tokens: ApiTokenEntry[], presented: string): ApiTokenEntry | undefined {
  const hash = sha256(presented);
  let match: ApiTokenEntry | undefined;
  for (const t of tokens) if (safeEqual(t.hash, hash) && !match) match = t;
  return match;
}

/** The API token the request presents, when it is one of ours (see requireRole). */
export function presentedToken(tokens: ApiTokenEntry[], req: Request): ApiTokenEntry | undefined {
  const presented = bearer(req);
  return presented === undefined ? undefined : findToken(effectiveTokens(tokens), presented);
}

/**
 * REST API: a bearer token whose role is at least `minimum`; with no tokens configured, the initial admin
 * token (see initial-admin-token.ts).
 */
export function requireRole(tokens: ApiTokenEntry[], minimum: Role) {
  return (req: Request, res: Response, next: NextFunction) => {
    const token = presentedToken(tokens, req);
    if (!token) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="vigil"');
      return sendError(
        res,
        401,
        'unauthorized',
        'a valid API token is required (Authorization: Bearer <token>)',
      );
    }
    if (!hasRole(token.role, minimum)) {
      return sendError(
        res,
        403,
        'forbidden',
        `this action needs the ${minimum} role; token "${token.name}" is ${token.role}`,
      );
    }
    res.locals.caller = { name: token.name, role: token.role } satisfies Caller;
    next();
  };
}

/** Webhook: bearer token or basic auth, as Alertmanager's http_config sends; open when neither is configured. */
export function webhookAuthorized(req: Request, webhook: Config['webhook']): boolean {
  const { bearerToken, basicAuth } = webhook;
  if (!bearerToken && !basicAuth) return true;
  const token = bearerToken ? bearer(req) : undefined;
  if (bearerToken && token !== undefined) return safeEqual(sha256(token), sha256(bearerToken));
  const basic = basicAuth ? credentials(req, 'Basic') : undefined;
  if (basicAuth && basic !== undefined) {
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const expected = `${basicAuth.username}:${basicAuth.password}`;
    return safeEqual(sha256(decoded), sha256(expected));
  }
  return false;
}
