import pino, { type Logger } from 'pino';

export type { Logger };

/** What never reaches a log, wherever a request or a config object is logged. */
const REDACT = ['req.headers.authorization', '*.password', '*.token', '*.bearerToken', '*.basicAuth'];

/** JSON logs on stderr (as Prometheus's tools log), so that stdout stays free for a command's output. */
export function createLogger(level: string): Logger {
  return pino({ level, redact: REDACT }, pino.destination(2));
}
