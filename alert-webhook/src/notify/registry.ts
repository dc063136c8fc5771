import { z } from 'zod';
import type { Db } from '../db/database';
import { email } from './email/index';
import type { SharedResources } from './integration';
import type { NotificationChannel } from './message';
import { Pacer } from './pacer';
import { slack } from './slack/index';
import { SLACK_INTERVAL_MS } from './slack/slack';
import { teams } from './teams/index';
import { webhook } from './webhook/index';
import { pagerduty } from './pagerduty/index';
import { slackApp } from './slack-app/index';
import { jira } from './jira/index';

/** Every integration, by the `kind` a channel's config names. */
export const INTEGRATIONS = { email, slack, webhook, teams, pagerduty, slack_app: slackApp, jira };

export type ChannelKind = keyof typeof INTEGRATIONS;
type Entry = (typeof INTEGRATIONS)[ChannelKind];
export type ChannelSettings = ReturnType<Entry['resolve']>;

export const channelConfigSchema = z.discriminatedUnion('kind', [
  email.schema,
  slack.schema,
  webhook.schema,
  teams.schema,
  pagerduty.schema,
  slackApp.schema,
  jira.schema,
]);

type ChannelDocument = z.output<typeof channelConfigSchema>;

/** The integration a kind names, with its parts typed for any kind (each checked against its own above). */
const entry = (kind: ChannelKind) =>
  INTEGRATIONS[kind] as unknown as {
    resolve: (doc: ChannelDocument, where: readonly PropertyKey[], env: NodeJS.ProcessEnv) => ChannelSettings;
    create: (name: string, settings: ChannelSettings, shared: SharedResources) => NotificationChannel;
  };

/** Reads a channel's secrets and files; a problem is a ConfigError naming its key. */
export function resolveChannel(
  doc: ChannelDocument,
  where: readonly PropertyKey[],
  env: NodeJS.ProcessEnv,
): ChannelSettings {
  return entry(doc.kind).resolve(doc, where, env);
}

/**
 * Builds every configured channel, by name. Slack channels share one pacer, so two channel names
 * configured with the same webhook URL still keep to Slack's rate between them.
 */
export function createChannels(
  channels: Record<string, ChannelSettings>,
  db?: Db,
): Map<string, NotificationChannel> {
  const shared: SharedResources = { slackPacer: new Pacer(SLACK_INTERVAL_MS), ...(db && { db }) };
  const built = new Map<string, NotificationChannel>();
  for (const [name, settings] of Object.entries(channels))
    built.set(name, entry(settings.kind).create(name, settings, shared));
  return built;
}
