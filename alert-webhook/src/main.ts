import type { Server } from 'node:http';
import cron from 'node-cron';
import { ConfigError, loadConfig } from './config';
import { isTransientDbError, openDatabase } from './db/database';
import { createApp } from './app';
import { createLogger } from './logger';
import { LeaderLease } from './leader/lease';

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
  const db = await openDatabase(config.storage, (err) =>
    log.error({ err }, 'SQLite checkpoint worker failed; commits checkpoint the log themselves again'),
  );
  // Replicas on one PostgreSQL elect one leader to escalate, deliver and run schedules; on SQLite it is us.
  const leaseMs = config.storage.postgres?.leader_lease ?? 10_000;
  const lease = new LeaderLease(db, { ttlMs: leaseMs, log });
  const { app, inbox, dispatcher, escalator, reports, noise } = createApp(config, db, log, { lease });
  const recovered = await inbox.recover();
  let reportsStarted = false;
  lease.onChange((leader) => {
    if (!leader) return;
    dispatcher.kick(); // notifications queued but not finished, here or by a replica that died
    // Report runs are claimed in the database, so a former leader's schedule cannot send one twice.
    if (reportsStarted) return;
    reportsStarted = true;
    reports.start().catch((err: unknown) => log.error({ err }, 'scheduled reports failed to start'));
  });
  await lease.start();
  // Escalation state lives in the database; this tick only looks for what is due.
  let ticks = 0;
  // noOverlap: a slow tick (a storm) is not run again on top of itself; the next second starts afresh.
  const tick = cron.schedule(
    '* * * * * *',
    () =>
      lease
        .whileLeader(async () => {
          await escalator.tick();
          // Storm digests, and incidents no longer flapping or past their maintenance window.
          await noise.tick();
          // Other replicas queue notifications too; only the leader delivers them.
          dispatcher.kick();
          // Deliveries a dead replica acknowledged but never merged: adopted once clearly abandoned.
          if (config.storage.postgres && ++ticks % 5 === 0) await inbox.adoptOrphans(2 * leaseMs);
        })
        // A conflict with another replica's transaction changed nothing; the next tick does it.
        .catch((err: unknown) =>
          log[isTransientDbError(err) ? 'warn' : 'error']({ err }, 'escalation tick failed'),
        ),
    { noOverlap: true },
  );
  if (!config.webhook.bearerToken && !config.webhook.basicAuth) {
    log.warn('webhook authentication is off: set webhook.bearer_token or webhook.basic_auth');
  }
  if (config.api.tokens.length === 0)
    log.warn('no API tokens configured: the REST API refuses every request');

  const server: Server = app.listen(config.server.port, config.server.listen_address, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.server.port;
    const database = config.storage.sqlite?.path ?? 'postgres';
    log.info({ port, database, holder: lease.holder, recovered }, 'alert-webhook listening');
  });
  server.on('error', (err) => {
    log.fatal({ err }, 'cannot listen');
    process.exit(1);
  });
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    server.close();
    void tick.stop();
    void reports.stop();
    dispatcher.stop();
    void inbox
      .drained()
      .then(() => inbox.stop())
      .then(() => lease.release()) // another replica takes over at its next attempt
      .then(() => db.destroy())
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

void main();
