import pino from 'pino';

/** JSON logs; credentials are redacted wherever a request or config object is logged. */
export function createLogger(level: string) {
  return pino({
    level,
    redact: ['req.headers.authorization', '*.password', '*.token', '*.bearerToken', '*.basicAuth'],
  });
}
