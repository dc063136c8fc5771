import pino from 'pino';
import { createDemoApp } from './app';

const log = pino({ level: process.env.LOG_LEVEL ?? 'info' });

/** A number from the environment, or the fallback; refuses garbage rather than silently ignoring it. */
function envNumber(name: string, fallback: number, max: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0 || value > max) {
    process.stderr.write(`demo: ${name} must be a number from 0 to ${max}, got "${text}"\n`);
    process.exit(2);
  }
  return value;
}

const port = envNumber('PORT', 8080, 65535);
const { app } = createDemoApp({
  failure: {
    errorRate: envNumber('DEMO_ERROR_RATE', 0, 1),
    latencyMs: envNumber('DEMO_LATENCY_MS', 0, 60_000),
  },
});
const host = process.env.DEMO_LISTEN_ADDRESS ?? '0.0.0.0';
const server = app.listen(port, host, () => log.info({ host, port }, 'demo service listening'));
server.on('error', (err) => {
  log.fatal({ err }, 'cannot listen');
  process.exit(1);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => server.close(() => process.exit(0)));
