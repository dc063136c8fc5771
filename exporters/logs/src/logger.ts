import pino from 'pino';

/** JSON logs on stderr, so that stdin/stdout stay free for the stdin input and --one-shot output. */
export function createLogger(level: string) {
  return pino({ level }, pino.destination(2));
}
