import {
  Kysely,
  Migrator,
  sql,
  type CreateTableBuilder,
  type Migration,
  type MigrationProvider,
} from 'kysely';
import { isPostgres } from './postgres';
import { reasonOf } from './storage-error';
import { fromLegacy, isLegacyPolicy } from '../escalation/legacy';

/**
 * A table's surrogate key `id`, on both backends: SQLite's INTEGER PRIMARY KEY AUTOINCREMENT, PostgreSQL's
 * identity column (Kysely's autoIncrement() has no PostgreSQL form). Migrations use it instead of autoIncrement().
 */
export function idColumn(db: Kysely<unknown>) {
  const postgres = isPostgres(db);
  return <T extends string, C extends string>(t: CreateTableBuilder<T, C>) =>
    t.addColumn('id', 'integer', (c) =>
      postgres ? c.primaryKey().generatedByDefaultAsIdentity() : c.primaryKey().autoIncrement(),
    );
}

/** Migrations are code, kept in order; each runs once and is recorded by Kysely's migrator. */
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('inbox')
        .$call(idColumn(db))
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('receiver', 'text', (c) => c.notNull())
        .addColumn('group_key', 'text', (c) => c.notNull())
        .addColumn('alert_count', 'integer', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('processed_at', 'text')
        .addColumn('error', 'text')
        .execute();
      await db.schema
        .createIndex('inbox_pending')
        .on('inbox')
        .column('id')
        .where(sql.ref('processed_at'), 'is', null)
        .execute();

      await db.schema
        .createTable('incidents')
        .$call(idColumn(db))
        .addColumn('receiver', 'text', (c) => c.notNull())
        .addColumn('group_key', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('service', 'text')
        .addColumn('team', 'text')
        .addColumn('component', 'text')
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('group_labels', 'text', (c) => c.notNull())
        .addColumn('common_labels', 'text', (c) => c.notNull())
        .addColumn('external_url', 'text')
        .addColumn('opened_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('acknowledged_at', 'text')
        .addColumn('acknowledged_by', 'text')
        .addColumn('resolved_at', 'text')
        .addColumn('resolved_by', 'text')
        .addColumn('assignee', 'text')
        .execute();
      // At most one open incident per Alertmanager group: concurrent deliveries collide here and retry.
      await db.schema
        .createIndex('incidents_one_open_per_group')
        .unique()
        .on('incidents')
        .columns(['receiver', 'group_key'])
        .where(sql.ref('status'), '<>', 'resolved')
        .execute();
      await db.schema
        .createIndex('incidents_group')
        .on('incidents')
        .columns(['receiver', 'group_key', 'id'])
        .execute();
      await db.schema.createIndex('incidents_opened').on('incidents').columns(['opened_at']).execute();

      await db.schema
        .createTable('alerts')
        .$call(idColumn(db))
        .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id'))
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('starts_at', 'text', (c) => c.notNull())
        .addColumn('ends_at', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('labels', 'text', (c) => c.notNull())
        .addColumn('annotations', 'text', (c) => c.notNull())
        .addColumn('generator_url', 'text')
        .addColumn('extra', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .execute();
      // One alert occurrence (fingerprint + startsAt) belongs to exactly one incident, whoever delivers it.
      await db.schema
        .createIndex('alerts_occurrence')
        .unique()
        .on('alerts')
        .columns(['fingerprint', 'starts_at'])
        .execute();
      await db.schema.createIndex('alerts_incident').on('alerts').columns(['incident_id']).execute();

      await db.schema
        .createTable('timeline')
        .$call(idColumn(db))
        .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id'))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('data', 'text')
        .execute();
      await db.schema
        .createIndex('timeline_incident')
        .on('timeline')
        .columns(['incident_id', 'id'])
        .execute();

      await db.schema
        .createTable('audit_log')
        .$call(idColumn(db))
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('incident_id', 'integer')
        .addColumn('details', 'text', (c) => c.notNull())
        .execute();
    },
  },
  '0002_incident_route': {
    async up(db: Kysely<unknown>) {
      // The routes chosen when the incident opened, as JSON: later configuration changes do not rewrite history.
      await db.schema.alterTable('incidents').addColumn('route', 'text').execute();
    },
  },
  '0003_notifications_and_escalations': {
    async up(db: Kysely<unknown>) {
      // The outbox: a notification is written in the transaction that decided it, then delivered.
      await db.schema
        .createTable('notifications')
        .$call(idColumn(db))
        .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id'))
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text')
        // Escalation steps carry one, so that a step can never be queued twice.
        .addColumn('dedupe_key', 'text', (c) => c.unique())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('notifications_pending')
        .on('notifications')
        .columns(['status', 'id'])
        .execute();
      await db.schema
        .createIndex('notifications_incident')
        .on('notifications')
        .columns(['incident_id'])
        .execute();

      await db.schema
        .createTable('delivery_attempts')
        .$call(idColumn(db))
        .addColumn('notification_id', 'integer', (c) => c.notNull().references('notifications.id'))
        .addColumn('incident_id', 'integer', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('ok', 'integer', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('error', 'text')
        .execute();
      await db.schema
        .createIndex('delivery_attempts_incident')
        .on('delivery_attempts')
        .columns(['incident_id'])
        .execute();

      await db.schema
        .createTable('escalations')
        .addColumn('incident_id', 'integer', (c) => c.primaryKey().references('incidents.id'))
        .addColumn('policy', 'text', (c) => c.notNull())
        .addColumn('cycle', 'integer', (c) => c.notNull())
        .addColumn('step', 'integer', (c) => c.notNull())
        .addColumn('next_at', 'text', (c) => c.notNull())
        .addColumn('phase', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('escalations_due')
        .on('escalations')
        .columns(['phase', 'next_at'])
        .execute();
    },
  },
  '0005_reports': {
    async up(db: Kysely<unknown>) {
      // One row per scheduled report, channel and period, claimed before sending: a period is mailed at most once.
      await db.schema
        .createTable('report_runs')
        .$call(idColumn(db))
        .addColumn('schedule', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('period_start', 'text', (c) => c.notNull())
        .addColumn('period_end', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('report_runs_period')
        .unique()
        .on('report_runs')
        .columns(['schedule', 'channel', 'period_end'])
        .execute();
    },
  },
  '0004_noise_control': {
    async up(db: Kysely<unknown>) {
      // Set while an incident flaps: its notifications are held until it has been quiet for the flapping window.
      await db.schema.alterTable('incidents').addColumn('flapping_since', 'text').execute();
      // Why a notification was held instead of sent (flapping, storm, maintenance), and by what (window or storm id);
      // a storm's held notifications point at the digest that carried them.
      await db.schema.alterTable('notifications').addColumn('hold_reason', 'text').execute();
      await db.schema.alterTable('notifications').addColumn('hold_ref', 'text').execute();
      await db.schema.alterTable('notifications').addColumn('digest_id', 'integer').execute();
      await db.schema
        .createIndex('notifications_held')
        .on('notifications')
        .columns(['hold_reason', 'hold_ref', 'digest_id'])
        .execute();

      // Every status change of an incident, with its team: flapping counts an incident's, storms a team's.
      await db.schema
        .createTable('incident_changes')
        .$call(idColumn(db))
        .addColumn('incident_id', 'integer', (c) => c.notNull().references('incidents.id'))
        .addColumn('team', 'text', (c) => c.notNull())
        .addColumn('change', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('incident_changes_team')
        .on('incident_changes')
        .columns(['team', 'change', 'at'])
        .execute();
      await db.schema
        .createIndex('incident_changes_incident')
        .on('incident_changes')
        .columns(['incident_id', 'at'])
        .execute();

      await db.schema
        .createTable('storms')
        .$call(idColumn(db))
        .addColumn('team', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('next_digest_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .execute();
      // One storm under way per team, however many dispatchers notice it at once.
      await db.schema
        .createIndex('storms_one_active_per_team')
        .unique()
        .on('storms')
        .column('team')
        .where(sql.ref('ended_at'), 'is', null)
        .execute();

      await db.schema
        .createTable('maintenance_windows')
        .$call(idColumn(db))
        // Windows from the configuration carry their name; those made through the API have none.
        .addColumn('name', 'text')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('matchers', 'text', (c) => c.notNull())
        .addColumn('starts_at', 'text', (c) => c.notNull())
        .addColumn('ends_at', 'text', (c) => c.notNull())
        .addColumn('comment', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'text')
        // When the end was handled: incidents it held that are still triggered were notified then.
        .addColumn('closed_at', 'text')
        .addColumn('silence_id', 'text')
        .addColumn('silence_error', 'text')
        .execute();
      // A configured window exists once, however many replicas write the configuration in at start.
      await db.schema
        .createIndex('maintenance_windows_config_name')
        .unique()
        .on('maintenance_windows')
        .columns(['source', 'name'])
        .where(sql.ref('deleted_at'), 'is', null)
        .execute();
      await db.schema
        .createIndex('maintenance_windows_time')
        .on('maintenance_windows')
        .columns(['starts_at', 'ends_at'])
        .execute();
    },
  },
  '0006_leader_lease': {
    async up(db: Kysely<unknown>) {
      // Which replica drives escalation and schedules (see leader/lease.ts); expires_at in epoch ms, database clock.
      await db.schema
        .createTable('leader_lease')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
  '0007_integrations': {
    async up(db: Kysely<unknown>) {
      // The Slack app's message per incident and channel (notify/slack-app/).
      await db.schema
        .createTable('slack_messages')
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('incident_id', 'integer', (c) => c.notNull())
        .addColumn('slack_channel', 'text', (c) => c.notNull())
        .addColumn('ts', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('slack_messages_pk', ['channel', 'incident_id'])
        .execute();
    },
  },
  '0007_integrations_tickets': {
    async up(db: Kysely<unknown>) {
      // Jira's issue per incident and channel (notify/jira/): the row is claimed before the issue is created.
      await db.schema
        .createTable('tickets')
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('incident_id', 'integer', (c) => c.notNull())
        .addColumn('key', 'text')
        .addColumn('url', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('tickets_pk', ['channel', 'incident_id'])
        .execute();
    },
  },
  '0008_heartbeats': {
    async up(db: Kysely<unknown>) {
      // Escalation policies became steps of one kind each: stored snapshots are rewritten, keeping the step
      // an escalation under way had reached.
      const rows = await sql<{ incident_id: number; policy: string; step: number }>`
        select incident_id, policy, step from escalations`.execute(db);
      for (const row of rows.rows) {
        const stored: unknown = JSON.parse(row.policy);
        if (!isLegacyPolicy(stored)) continue;
        const { policy, starts } = fromLegacy(stored);
        await sql`update escalations set policy = ${JSON.stringify(policy)}, step = ${starts[row.step] ?? 0}
          where incident_id = ${row.incident_id}`.execute(db);
      }
      // Heartbeats by source (heartbeats/): when one was last received, and since when it has been missing.
      await db.schema
        .createTable('heartbeat_sources')
        .addColumn('heartbeat', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('labels', 'text', (c) => c.notNull())
        .addColumn('last_received_at', 'text', (c) => c.notNull())
        .addColumn('missing_since', 'text')
        .addPrimaryKeyConstraint('heartbeat_sources_pk', ['heartbeat', 'source'])
        .execute();
    },
  },
  '0010_postmortems': {
    async up(db: Kysely<unknown>) {
      // One postmortem per incident (api/postmortems.ts), written whole; its action items in order.
      await db.schema
        .createTable('postmortems')
        .addColumn('incident_id', 'integer', (c) => c.primaryKey())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('impact', 'text', (c) => c.notNull())
        .addColumn('root_cause', 'text', (c) => c.notNull())
        .addColumn('timeline_entry_ids', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('postmortem_action_items')
        .addColumn('incident_id', 'integer', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('owner', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('due_date', 'text')
        .addPrimaryKeyConstraint('postmortem_action_items_pk', ['incident_id', 'position'])
        .execute();
    },
  },
  '0011_slack_threads': {
    async up(db: Kysely<unknown>) {
      // Timeline events (notes, assignments, escalation steps) queued for threads name their entry.
      await db.schema.alterTable('notifications').addColumn('timeline_id', 'integer').execute();
      // The Slack app's post is claimed before it is made (ts null until saved), so a crash between Slack's
      // answer and the save is settled by finding the message again rather than posting a second one.
      await db.schema
        .createTable('slack_posts')
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('incident_id', 'integer', (c) => c.notNull())
        .addColumn('slack_channel', 'text', (c) => c.notNull())
        .addColumn('ts', 'text')
        .addColumn('claimed_at', 'text', (c) => c.notNull())
        .addColumn('claimed_by', 'integer')
        .addPrimaryKeyConstraint('slack_posts_pk', ['channel', 'incident_id'])
        .execute();
      await sql`insert into slack_posts (channel, incident_id, slack_channel, ts, claimed_at)
        select channel, incident_id, slack_channel, ts, '1970-01-01T00:00:00.000Z' from slack_messages`.execute(
        db,
      );
      await db.schema.dropTable('slack_messages').execute();
      await db.schema.alterTable('slack_posts').renameTo('slack_messages').execute();
    },
  },
  '0009_correlation': {
    async up(db: Kysely<unknown>) {
      // Correlation (incidents/correlation.ts): the rule's key an incident opened under, looked up by later
      // groups; and the likely cause its alerts name.
      await db.schema.alterTable('incidents').addColumn('correlation_key', 'text').execute();
      await db.schema.alterTable('incidents').addColumn('likely_cause', 'text').execute();
      await db.schema
        .createIndex('incidents_correlation_key')
        .on('incidents')
        .columns(['correlation_key', 'status'])
        .execute();
    },
  },
  '0012_alerts_without_incident_check': {
    async up(db: Kysely<unknown>) {
      // PostgreSQL checks a foreign key row by row, locking the incident once per alert (FOR KEY SHARE):
      // a quarter of the alerts insert, 2–18% of the server's CPU in a storm. Merging writes an alert
      // only to an incident it inserted, or read and locked once (merge-state.ts), in the same
      // transaction, and pruning locks the incidents it deletes with their alerts (retention/prune.ts).
      // On SQLite it is an index lookup, and dropping it would rebuild the table: kept.
      if (!isPostgres(db)) return;
      await sql`do $$
        declare c text;
        begin
          for c in select conname from pg_constraint where conrelid = 'alerts'::regclass and contype = 'f' loop
            execute format('alter table alerts drop constraint %I', c);
          end loop;
        end $$`.execute(db);
    },
  },
  '0013_inbox_lz4': {
    async up(db: Kysely<unknown>) {
      // A delivery's payload (about 20 KB for 50 alerts) is compressed as it is stored, before the 2xx:
      // lz4 took 12–43% less of PostgreSQL's CPU during a storm's ingest than the default pglz.
      // Only where the server has it (built --with-lz4, as Debian's is).
      if (!isPostgres(db)) return;
      await sql`do $$
        begin
          if exists (select 1 from pg_settings
                     where name = 'default_toast_compression' and 'lz4' = any(enumvals)) then
            -- Dynamic: PostgreSQL 13 and older would refuse the syntax when checking the block.
            execute 'alter table inbox alter column payload set compression lz4';
          end if;
        end $$`.execute(db);
    },
  },
  '0014_ticket_claims': {
    async up(db: Kysely<unknown>) {
      // Which notification claimed a Jira ticket: its own retry takes the claim over at once (as the Slack
      // app's posts do), where before it waited for the claim to go stale, longer than its retries last.
      await db.schema.alterTable('tickets').addColumn('claimed_by', 'integer').execute();
    },
  },
  '0015_first_acknowledgement': {
    async up(db: Kysely<unknown>) {
      // The SLA and MTTA count from the first acknowledgement: an ack_timeout clears acknowledged_at, which
      // turned an incident acknowledged in time into a missed target. Earlier ones from the timeline.
      await db.schema.alterTable('incidents').addColumn('first_acknowledged_at', 'text').execute();
      await sql`update incidents set first_acknowledged_at = coalesce(
          (select min(t.at) from timeline t where t.incident_id = incidents.id and t.kind = 'acknowledged'),
          acknowledged_at)`.execute(db);
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const { error, results } = await new Migrator({
    db,
    provider,
    // 0007 was added after 0008 ran on some databases: run a missing earlier one rather than refuse.
    allowUnorderedMigrations: true,
  }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    // Kysely names no migration when it failed before running one (taking its lock, reading its table).
    const which = failed ? `database migration ${failed.migrationName}` : 'database migration';
    throw new Error(`${which} failed: ${reasonOf(error)}`, {
      cause: error,
    });
  }
}
