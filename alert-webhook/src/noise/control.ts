import { HttpClient, type HttpClientSettings } from '@vigil/service-kit';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from '../db/database';
import type { DatabaseSchema } from '../db/schema';
import { enqueue } from '../dispatch/outbox';
import { loadEscalation, startEscalations } from '../escalation/store';
import { incidentRoute } from '../incidents/reactions';
import { lostRace } from '../incidents/ingest';
import type { Metrics } from '../metrics';
import type { ConfigWindow, NoiseSettings } from './config';
import { stopFlapping } from './flapping';
import { decideHold, recordHold } from './gate';
import { closeWindow, endedWindows, MaintenanceWindows } from './maintenance';
import { addTimeline } from './record';
import { AlertmanagerSilences } from './silences';
import { sendDueDigests } from './storm';

type Tx = Transaction<DatabaseSchema>;

/**
 * Noise control: screens each queued notification before it is sent (held for flapping, a storm or a
 * maintenance window, and recorded so), and on every scheduler tick sends due storm digests and tells
 * people once about incidents that stopped flapping or outlived the maintenance window that hid them.
 */
export class NoiseControl {
  readonly windows: MaintenanceWindows;
  private synced: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly settings: NoiseSettings,
    private readonly configWindows: readonly ConfigWindow[],
    private readonly options: {
      log: Logger;
      metrics: Metrics;
      onQueued: () => void;
      /** The silences client's http_config, resolved (its secrets read) with the configuration. */
      alertmanagerHttp?: HttpClientSettings;
    },
  ) {
    const am = settings.alertmanager_silences;
    const http = options.alertmanagerHttp;
    this.windows = new MaintenanceWindows(
      db,
      options.log,
      am && http && new AlertmanagerSilences(am.url, new HttpClient(http)),
    );
  }

  /** The configured windows are in the database before anything reads windows (once per process). */
  ready(): Promise<void> {
    this.synced ??= this.windows.syncConfig(this.configWindows, new Date().toISOString()).catch((err) => {
      this.synced = undefined;
      throw err;
    });
    return this.synced;
  }

  /**
   * The dispatcher's gate: true when the notification was held instead of sent. A channel that takes no
   * digests (a ticket per incident, the Slack app's message per incident) is not held by storms: what a storm
   * holds goes out only in its digests.
   */
  readonly screen = async (notificationId: number, channel: { digests: boolean }): Promise<boolean> => {
    await this.ready();
    const settings = channel.digests ? this.settings : { ...this.settings, storm: undefined };
    const queued = (db: Db) =>
      db
        .selectFrom('notifications')
        .select(['id', 'incident_id', 'event', 'created_at'])
        .where('id', '=', notificationId)
        .where('status', '=', 'pending')
        .executeTakeFirst();
    // Most notifications are held by nothing, which reading alone can tell: no write transaction, which on
    // SQLite would wait for the merge thread's write lock before each send. Flapping's and storms'
    // assessments may write (marking the incident, recording the storm), so with either configured every
    // decision takes the transaction; maintenance windows are only read.
    if (!settings.flapping && !settings.storm) {
      const n = await queued(this.db);
      if (!n || n.event === 'digest' || !(await decideHold(this.db, settings, n))) return false;
    }
    const hold = await this.transaction(async (tx) => {
      const n = await queued(tx);
      if (!n || n.event === 'digest') return undefined;
      const decided = await decideHold(tx, settings, n);
      if (decided) await recordHold(tx, n, decided, new Date().toISOString());
      return decided;
    });
    if (hold) this.options.metrics.notificationsHeld.inc({ reason: hold.reason });
    return hold !== undefined;
  };

  /** Everything due at `now`, in one transaction. */
  async tick(now: Date = new Date()): Promise<void> {
    await this.ready();
    const iso = now.toISOString();
    const queued = await this.transaction(async (tx) => {
      const digests = this.settings.storm ? await sendDueDigests(tx, this.settings.storm, iso) : 0;
      const calmed = this.settings.flapping ? await stopFlapping(tx, this.settings.flapping, iso) : [];
      for (const id of calmed) await this.notifyOnce(tx, id, iso, 'no longer flapping');
      let released = 0;
      for (const window of await endedWindows(tx, iso)) {
        for (const id of await stillTriggered(tx, window.id)) {
          await this.notifyOnce(tx, id, iso, `maintenance window ${window.id} is over`);
          released += 1;
        }
        await closeWindow(tx, window.id, iso);
      }
      return digests + calmed.length + released > 0;
    });
    if (queued) this.options.onQueued();
  }

  /** Runs fn in a transaction, again when a concurrent one won a race (PostgreSQL runs them serializable). */
  private async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(fn);
      } catch (err) {
        if (attempt >= 5 || !lostRace(err)) throw err;
      }
    }
  }

  /**
   * Tells the route's channels the incident's current state, once, and restarts its escalation policy if it
   * is still triggered (its steps were held too).
   */
  private async notifyOnce(tx: Tx, incidentId: number, now: string, why: string): Promise<void> {
    const { status } = await tx
      .selectFrom('incidents')
      .select('status')
      .where('id', '=', incidentId)
      .executeTakeFirstOrThrow();
    const { channels } = await incidentRoute(tx, incidentId);
    await enqueue(tx, incidentId, status === 'resolved' ? 'resolved' : 'triggered', channels, now);
    const escalation = status === 'triggered' ? await loadEscalation(tx, incidentId) : undefined;
    if (escalation) await startEscalations(tx, [{ incidentId, policy: escalation.policy }], now);
    const escalating = escalation ? '; escalation restarts' : '';
    await addTimeline(
      tx,
      incidentId,
      now,
      'noise_cleared',
      `${why}: notifying its current state (${status})${escalating}`,
    );
  }
}

/** Incidents a maintenance window held notifications for that are still triggered (not acknowledged, not resolved). */
async function stillTriggered(tx: Tx, windowId: number): Promise<number[]> {
  const rows = await tx
    .selectFrom('notifications as n')
    .innerJoin('incidents as i', 'i.id', 'n.incident_id')
    .select('i.id')
    .distinct()
    .where('n.hold_reason', '=', 'maintenance')
    .where('n.hold_ref', '=', String(windowId))
    .where('i.status', '=', 'triggered')
    .execute();
  return rows.map((r) => r.id);
}
