import { Kysely, Migrator, sql, type Migration, type MigrationProvider } from 'kysely';

/** Migrations are code, kept in order; each runs once and is recorded by Kysely's migrator. */
const migrations: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('inbox')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
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
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
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
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
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
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
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
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
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
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
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
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
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
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
}
