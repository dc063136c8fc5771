import pino from 'pino';

/** JSON logs. Check specs (which may hold credentials in headers) are never logged, only names and outcomes. */
export function createLogger(level: string) {
  return pino({ level });
}
