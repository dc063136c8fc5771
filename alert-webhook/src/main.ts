import type { Server } from 'node:http';
import cron from 'node-cron';
import { ConfigError, loadConfig } from './config';
import { openDatabase } from './db/database';
import { createApp } from './app';
import { createLogger } from './logger';

function configPath(argv: string[]): string | undefined {
  const i = argv.indexOf('--config');
  return i >= 0 ? argv[i + 1] : process.env.VIGIL_WEBHOOK_CONFIG;
}

async function main() {
  let config;
  try {
    config = loadConfig(configPath(process.argv));
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`alert-webhook: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.log_level);
  const db = await openDatabase(config.storage);
  const { app, inbox, dispatcher, escalator } = createApp(config, db, log);
  const recovered = await inbox.recover();
  dispatcher.kick(); // notifications a previous run queued but did not finish
  // Escalation state lives in the database; this tick only looks for what is due.
  const tick = cron.schedule('* * * * * *', () => {
    escalator.tick().catch((err: unknown) => log.error({ err }, 'escalation tick failed'));
  });
  if (!config.webhook.bearerToken && !config.webhook.basicAuth) {
    log.warn('webhook authentication is off: set webhook.bearer_token or webhook.basic_auth');
  }
  if (config.api.tokens.length === 0)
    log.warn('no API tokens configured: the REST API refuses every request');

  const server: Server = app.listen(config.server.port, config.server.listen_address, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.server.port;
    log.info({ port, database: config.storage.sqlite.path, recovered }, 'alert-webhook listening');
  });
  server.on('error', (err) => {
    log.fatal({ err }, 'cannot listen');
    process.exit(1);
  });
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    server.close();
    void tick.stop();
    dispatcher.stop();
    void inbox
      .drained()
      .then(() => inbox.stop())
      .then(() => db.destroy())
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

void main();
