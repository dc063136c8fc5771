import { z } from 'zod';
import {
  allOf,
  httpClientFields,
  resolveSecret,
  secretRef,
  type HttpClientSettings,
  httpUrl,
} from '@vigil/service-kit';
import { resolveHttp, timeout } from '../common-config';

export const slackAppSchema = z.strictObject({
  kind: z.literal('slack_app'),
  // The app's bot token (xoxb-…), with the chat:write and channels:history (private: groups:history) scopes:
  // the history finds a message whose post was answered but not saved (the receiver died then).
  bot_token: secretRef,
  // The app's signing secret: interactivity requests (the buttons) are verified with it.
  signing_secret: secretRef,
  // The Slack channel's ID (C…), where the app is a member.
  channel: z.string().regex(/^[CGD][A-Z0-9]+$/, 'a Slack channel ID, such as C0123ABCD'),
  // Slack user IDs to Vigil users (names of users): who may press Acknowledge and Resolve.
  users: z
    .record(z.string().regex(/^[UW][A-Z0-9]+$/, 'a Slack user ID, such as U0123ABCD'), z.string().min(1))
    .default({}),
  api_url: httpUrl.default('https://slack.com/api'),
  timeout,
  // The bot token is the credential: authorization and basic_auth would be replaced by it, so are unknown.
  http_config: httpClientFields.omit({ authorization: true, basic_auth: true }).optional(),
});

export interface SlackAppSettings {
  kind: 'slack_app';
  botToken: string;
  signingSecret: string;
  channel: string;
  users: Record<string, string>;
  apiUrl: string;
  http: HttpClientSettings;
}

export function resolveSlackApp(
  channel: z.output<typeof slackAppSchema>,
  where: readonly PropertyKey[],
  env: NodeJS.ProcessEnv,
): SlackAppSettings {
  const [botToken, signingSecret, http] = allOf(
    () => resolveSecret(channel.bot_token, [...where, 'bot_token'], env),
    () => resolveSecret(channel.signing_secret, [...where, 'signing_secret'], env),
    () => resolveHttp(channel, where, env),
  );
  return {
    kind: 'slack_app',
    botToken,
    signingSecret,
    channel: channel.channel,
    users: channel.users,
    apiUrl: channel.api_url.replace(/\/+$/, ''),
    http,
  };
}
