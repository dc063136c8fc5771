import type { Server } from 'node:http';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { Scheduler } from './scheduler';

function configPath(argv: string[]): string | undefined {
  const i = argv.indexOf('--config');
  return i >= 0 ? argv[i + 1] : process.env.VIGIL_HEALTH_CHECK_CONFIG;
}

function main() {
  const path = configPath(process.argv);
  if (!path) {
    process.stderr.write('health-check: give --config <file> or VIGIL_HEALTH_CHECK_CONFIG\n');
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig(path);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`health-check: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.log_level);
  const checks = config.services.flatMap((s) => s.checks);
  const scheduler = new Scheduler(checks, config.maxConcurrentChecks, log);
  const { app } = createApp(config, scheduler, log);
  const server: Server = app.listen(config.server.port, config.server.listen_address, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.server.port;
    log.info(
      { port, services: config.services.length, checks: checks.length },
      'health-check exporter listening',
    );
    scheduler.start();
  });
  server.on('error', (err) => {
    log.fatal({ err }, 'cannot listen');
    process.exit(1);
  });
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    server.close();
    void scheduler.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main();
