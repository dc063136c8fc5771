import { Cron } from 'croner';
import { exitAfterOutput, runService, within } from '@vigil/service-kit';
import { loadConfig, type Config } from './config';
import { connectSqlite, isTransientDbError, openDatabase } from './db/database';
import { Pruner } from './retention/pruner';
import { runBackup } from './backup/backup';
import { createApp } from './app';
import { IDENTITY } from './identity';
import { LeaderLease } from './leader/lease';
import { setUpInitialAdminToken } from './api/initial-admin-token';

/** How long a stop waits for the notifications being delivered. */
const DELIVERY_GRACE_MS = 10_000;

// `alert-webhook backup ...` copies the database instead of serving (see backup/backup.ts).
if (process.argv[2] === 'backup') void runBackup(process.argv.slice(3)).then(exitAfterOutput);
else
  void runService<Config>({
    id: IDENTITY,
    configEnv: 'VIGIL_WEBHOOK_CONFIG',
    // Without a file the receiver runs on its defaults (SQLite at data/vigil.db).
    configRequired: false,
    usageMore:
      '\nsubcommands:\n  backup <args>\n      copy the SQLite database while it serves (alert-webhook backup --help)\n',
    loadConfig,
    // The webhook's and the API's own credentials come in the one Authorization header, where basic auth
    // would have to be too: no request could carry both.
    webConfigProblems: (web) =>
      web.users
        ? [
            {
              path: ['basic_auth_users'],
              // The key is refused whatever users it lists: the problem points at it, not at a user.
              atKey: true,
              message:
                "cannot guard alert-webhook: Alertmanager's webhook credential and the API tokens take the one Authorization header basic auth would need (use webhook.basic_auth for Alertmanager, and tls_server_config with client_auth_type to require client certificates)",
            },
          ]
        : [],
    // The database is opened once; its settings change only with a restart (as do server's).
    restartOnly: ['server', 'storage'],
    logLevel: (config) => config.log_level,
    async start({ config, log, runtime }) {
      const db = await openDatabase(config.storage, (err) =>
        log.error({ err }, 'SQLite checkpoint worker failed; commits checkpoint the log themselves again'),
      );
      // Replicas on one PostgreSQL elect one leader to escalate, deliver and run schedules; on SQLite it is us.
      const leaseMs = config.storage.postgres?.leader_lease ?? 10_000;
      const lease = new LeaderLease(db, { ttlMs: leaseMs, log });
      const service = createApp(config, db, log, { lease, runtime });
      const { inbox } = service;
      // Before the port is bound, so that they merge ahead of any new delivery (in arrival order). Merging
      // is idempotent: should another instance own the port, merging them again changes nothing.
      const recovered = await inbox.recover();
      // Its own SQLite connection that never waits for the write lock (the event loop would sleep): busy, it tries again shortly.
      const sqlite = config.storage.sqlite;
      const pruneDb =
        sqlite && sqlite.path !== ':memory:' ? connectSqlite({ ...sqlite, busy_timeout: 0 }) : db;
      const pruner = new Pruner(pruneDb, {
        retention: config.retention,
        reportPeriodMs: () => Math.max(0, ...service.config.reports.schedules.map((s) => s.period)),
        log,
        registry: service.metrics.registry,
        writersWaiting: inbox.writersWaiting,
      });
      let tick: Cron | undefined;
      // Nothing is delivered, escalated, reported or pruned before the port is ours: a second instance
      // started by mistake on the same database fails to bind having sent nothing.
      const begin = async () => {
        let reportsStarted = false;
        lease.onChange((leader) => {
          if (!leader) return;
          service.dispatcher.kick(); // notifications queued but not finished, here or by a replica that died
          // Report runs are claimed in the database, so a former leader's schedule cannot send one twice.
          if (reportsStarted) return;
          reportsStarted = true;
          service
            .startReports()
            .catch((err: unknown) => log.error({ err }, 'scheduled reports failed to start'));
        });
        await lease.start();
        pruner.start((task) => lease.whileLeader(task));
        // Escalation state lives in the database; this tick only looks for what is due.
        let ticks = 0;
        // protect: a slow tick (a storm) is not run again on top of itself; the next second starts afresh.
        tick = new Cron('* * * * * *', { protect: true }, async () => {
          await lease
            .whileLeader(async () => {
              await service.escalator.tick();
              // Heartbeats not heard from in time open incidents (stored as deliveries, merged as any).
              await service.heartbeats.check(new Date().toISOString());
              // Storm digests, and incidents no longer flapping or past their maintenance window.
              await service.noise.tick();
              // Other replicas queue notifications too; only the leader delivers them.
              service.dispatcher.kick();
              // Deliveries a dead replica acknowledged but never merged: adopted once clearly abandoned.
              if (config.storage.postgres && ++ticks % 5 === 0) await inbox.adoptOrphans(2 * leaseMs);
            })
            // A conflict with another replica's transaction changed nothing; the next tick does it.
            .catch((err: unknown) =>
              log[isTransientDbError(err) ? 'warn' : 'error']({ err }, 'escalation tick failed'),
            );
        });
      };
      const warnOpen = (cfg: Config) => {
        if (!cfg.webhook.bearerToken && !cfg.webhook.basicAuth)
          log.warn('webhook authentication is off: set webhook.bearer_token or webhook.basic_auth');
        setUpInitialAdminToken(cfg, log); // with no api.tokens: the one-time admin token and its file
      };
      warnOpen(config);
      return {
        app: service.app,
        summary: { database: config.storage.sqlite?.path ?? 'postgres', holder: lease.holder, recovered },
        onListening: begin,
        reload: async (next) => {
          await service.reload(next);
          pruner.configure(next.retention);
          warnOpen(next);
        },
        stop: async () => {
          tick?.stop();
          // The tick under way finishes before what it uses is closed.
          while (tick?.isBusy()) await new Promise((resolve) => setTimeout(resolve, 10));
          await pruner.stop();
          if (pruneDb !== db) await pruneDb.destroy();
          await service.reports.stop();
          service.dispatcher.stop();
          // A delivery on the wire is let finish and recorded, or the next leader would send it again; one
          // waiting to retry is left to that leader.
          await within(service.dispatcher.idle(), DELIVERY_GRACE_MS, () => undefined);
          await inbox.drained();
          await inbox.stop();
          await lease.release(); // another replica takes over at its next attempt
          await db.destroy();
        },
      };
    },
  });
