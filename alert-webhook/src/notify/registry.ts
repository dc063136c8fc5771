import type { ChannelSettings } from './config';
import { createEmailChannel } from './email';
import type { ChannelKind, NotificationChannel } from './message';
import { Pacer } from './pacer';
import { SLACK_INTERVAL_MS, createSlackChannel } from './slack';
import { createTeamsChannel } from './teams';
import { createWebhookChannel } from './webhook';

type Factory<K extends ChannelKind> = (
  name: string,
  settings: Extract<ChannelSettings, { kind: K }>,
  shared: { slackPacer: Pacer },
) => NotificationChannel;

const FACTORIES: { [K in ChannelKind]: Factory<K> } = {
  email: (name, settings) => createEmailChannel(name, settings),
  slack: (name, settings, shared) => createSlackChannel(name, settings, shared.slackPacer),
  webhook: (name, settings) => createWebhookChannel(name, settings),
  teams: (name, settings) => createTeamsChannel(name, settings),
};

/**
 * Builds every configured channel, by name. Slack channels share one pacer, so two channel names
 * configured with the same webhook URL still keep to Slack's rate between them.
 */
export function createChannels(channels: Record<string, ChannelSettings>): Map<string, NotificationChannel> {
  const shared = { slackPacer: new Pacer(SLACK_INTERVAL_MS) };
  const built = new Map<string, NotificationChannel>();
  for (const [name, settings] of Object.entries(channels)) {
    const factory = FACTORIES[settings.kind] as Factory<typeof settings.kind>;
    built.set(name, factory(name, settings, shared));
  }
  return built;
}
