import pino from 'pino';

/** JSON logs. Query results are never logged, only query names, counts and errors. */
export function createLogger(level: string) {
  return pino({ level });
}
