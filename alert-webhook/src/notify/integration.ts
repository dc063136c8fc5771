import type { z } from 'zod';
import type { NotificationChannel } from './message';
import type { Pacer } from './pacer';
import type { Db } from '../db/database';

/** What channels built from one configuration share. */
export interface SharedResources {
  /** Slack incoming webhooks: one pace per URL, however many channel names use it. */
  slackPacer: Pacer;
  /** Where integrations that keep state (the Slack app's message per incident) keep it. */
  db?: Db;
}

/**
 * One kind of integration (Alertmanager's notify/<kind>): its config schema (a strict object whose `kind`
 * is the literal), how its secrets are read, and how a channel is built from the result.
 */
export interface Integration<Schema extends z.ZodType, Settings extends { kind: string }> {
  schema: Schema;
  /** `where` is the channel's key path, an array: its name may hold a dot. */
  resolve: (doc: z.output<Schema>, where: readonly PropertyKey[], env: NodeJS.ProcessEnv) => Settings;
  create: (name: string, settings: Settings, shared: SharedResources) => NotificationChannel;
}

/** Declares an integration, checking its parts agree. */
export const integration = <Schema extends z.ZodType, Settings extends { kind: string }>(
  def: Integration<Schema, Settings>,
) => def;
