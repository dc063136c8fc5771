import type { Server } from 'node:http';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './logger';
import { Updater } from './updater';

function configPath(argv: string[]): string | undefined {
  const i = argv.indexOf('--config');
  return i >= 0 ? argv[i + 1] : process.env.VIGIL_ANOMALY_CONFIG;
}

function main() {
  const path = configPath(process.argv);
  if (!path) {
    process.stderr.write('anomaly: give --config <file> or VIGIL_ANOMALY_CONFIG\n');
    process.exit(2);
  }
  let config;
  try {
    config = loadConfig(path);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`anomaly: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.log_level);
  const updater = new Updater(config, log);
  const { app } = createApp(config, updater, log);
  const server: Server = app.listen(config.server.port, config.server.listen_address, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.server.port;
    log.info({ port, queries: config.queries.length }, 'anomaly exporter listening');
    updater.start();
  });
  server.on('error', (err) => {
    log.fatal({ err }, 'cannot listen');
    process.exit(1);
  });
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    server.close();
    void updater.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main();
