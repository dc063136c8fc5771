import { z } from 'zod';
import { duration } from '@vigil/service-kit';
import { resolveSecret, secretRef } from '@vigil/service-kit';
import { ConfigError } from '@vigil/service-kit';
import type { RetryPolicy } from './sender';

/** Ack link keys shorter than this are guessable enough to forge acknowledgements. */
const MIN_ACK_SECRET_CHARS = 32;

const timeout = duration.default(10_000);
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

const emailChannel = z.strictObject({
  kind: z.literal('email'),
  smtp: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    // true: TLS from the first byte (port 465); false: STARTTLS when the server offers it.
    secure: z.boolean().default(false),
    require_tls: z.boolean().default(false),
    auth: z.strictObject({ user: z.string().min(1), pass: secretRef }).optional(),
  }),
  from: z.string().min(1),
  to: z.array(z.string().min(1)).min(1),
  timeout,
});

// Slack and Teams webhook URLs carry their own credential, so they are secrets like passwords.
const slackChannel = z.strictObject({ kind: z.literal('slack'), webhook_url: secretRef, timeout });
const teamsChannel = z.strictObject({ kind: z.literal('teams'), webhook_url: secretRef, timeout });
const webhookChannel = z.strictObject({
  kind: z.literal('webhook'),
  url: httpUrl,
  secret: secretRef,
  timeout,
});

export const channelConfigSchema = z.discriminatedUnion('kind', [
  emailChannel,
  slackChannel,
  webhookChannel,
  teamsChannel,
]);

export const retryPolicySchema = z
  .strictObject({
    max_attempts: z.number().int().min(1).max(20).default(5),
    initial_delay: duration.default(1000),
    max_delay: duration.default(300_000),
    // Each delay is shortened by up to this fraction at random, so retries from many incidents spread out.
    jitter: z.number().min(0).max(1).default(0.2),
  })
  .refine((r) => r.max_delay >= r.initial_delay, {
    message: 'must not be shorter than initial_delay',
    path: ['max_delay'],
  });

export const ackLinksSchema = z.strictObject({
  secret: secretRef,
  ttl: duration.refine((ms) => ms > 0, 'must be longer than 0s').default(86_400_000),
});

export const notificationsSchema = z.strictObject({
  channels: z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/), channelConfigSchema).default({}),
  retry: retryPolicySchema.prefault({}),
  ack_links: ackLinksSchema.optional(),
});

export type NotificationsDocument = z.output<typeof notificationsSchema>;

export interface EmailSettings {
  kind: 'email';
  smtp: {
    host: string;
    port: number;
    secure: boolean;
    requireTls: boolean;
    auth?: { user: string; pass: string };
  };
  from: string;
  to: string[];
  timeoutMs: number;
}
export interface SlackSettings {
  kind: 'slack';
  webhookUrl: string;
  timeoutMs: number;
}
export interface WebhookSettings {
  kind: 'webhook';
  url: string;
  secret: string;
  timeoutMs: number;
}
export interface TeamsSettings {
  kind: 'teams';
  webhookUrl: string;
  timeoutMs: number;
}
export type ChannelSettings = EmailSettings | SlackSettings | WebhookSettings | TeamsSettings;

export interface NotificationSettings {
  channels: Record<string, ChannelSettings>;
  retry: RetryPolicy;
  ackLinks?: { secret: string; ttlMs: number };
}

type SecretRef = z.output<typeof secretRef>;

function secretUrl(ref: SecretRef, where: string, env: NodeJS.ProcessEnv): string {
  const value = resolveSecret(ref, where, env);
  // The value is a secret: say what is wrong with it without echoing it.
  if (!httpUrl.safeParse(value).success) throw new ConfigError(`${where}: the secret is not an http(s) URL`);
  return value;
}

function resolveChannel(
  channel: z.output<typeof channelConfigSchema>,
  where: string,
  env: NodeJS.ProcessEnv,
): ChannelSettings {
  switch (channel.kind) {
    case 'email': {
      const { host, port, secure, require_tls, auth } = channel.smtp;
      return {
        kind: 'email',
        smtp: {
          host,
          port,
          secure,
          requireTls: require_tls,
          ...(auth && {
            auth: { user: auth.user, pass: resolveSecret(auth.pass, `${where}.smtp.auth.pass`, env) },
          }),
        },
        from: channel.from,
        to: channel.to,
        timeoutMs: channel.timeout,
      };
    }
    case 'slack':
    case 'teams':
      return {
        kind: channel.kind,
        webhookUrl: secretUrl(channel.webhook_url, `${where}.webhook_url`, env),
        timeoutMs: channel.timeout,
      };
    case 'webhook':
      return {
        kind: 'webhook',
        url: channel.url,
        secret: resolveSecret(channel.secret, `${where}.secret`, env),
        timeoutMs: channel.timeout,
      };
  }
}

/** Reads the secrets a validated `notifications` section refers to; throws ConfigError naming the key. */
export function resolveNotifications(
  doc: NotificationsDocument,
  env: NodeJS.ProcessEnv = process.env,
  where = 'notifications',
): NotificationSettings {
  const channels: Record<string, ChannelSettings> = {};
  for (const [name, channel] of Object.entries(doc.channels)) {
    channels[name] = resolveChannel(channel, `${where}.channels.${name}`, env);
  }
  let ackLinks: NotificationSettings['ackLinks'];
  if (doc.ack_links) {
    const secret = resolveSecret(doc.ack_links.secret, `${where}.ack_links.secret`, env);
    if (secret.length < MIN_ACK_SECRET_CHARS)
      throw new ConfigError(`${where}.ack_links.secret: must be at least ${MIN_ACK_SECRET_CHARS} characters`);
    ackLinks = { secret, ttlMs: doc.ack_links.ttl };
  }
  const { max_attempts, initial_delay, max_delay, jitter } = doc.retry;
  return {
    channels,
    retry: { maxAttempts: max_attempts, initialDelayMs: initial_delay, maxDelayMs: max_delay, jitter },
    ...(ackLinks && { ackLinks }),
  };
}
