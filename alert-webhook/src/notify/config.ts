import { z } from 'zod';
import {
  ConfigError,
  DAY_MS,
  duration,
  ProblemList,
  resolveSecret,
  secretRef,
  timerDuration,
} from '@vigil/service-kit';
import { channelConfigSchema, resolveChannel, type ChannelSettings } from './registry';
import type { RetryPolicy } from './retrier';

export type { ChannelSettings } from './registry';
export { channelConfigSchema } from './registry';

/** Ack link keys shorter than this are guessable enough to forge acknowledgements. */
const MIN_ACK_SECRET_CHARS = 32;

export const retryPolicySchema = z
  .strictObject({
    max_attempts: z.number().int().min(1).max(20).default(5),
    // Waits between attempts are timers (clock.sleep): one beyond a timer's 24.8 days would fire at once.
    initial_delay: timerDuration.default(1000),
    max_delay: timerDuration.default(300_000),
    // Each delay is shortened by up to this fraction at random, so retries from many incidents spread out.
    jitter: z.number().min(0).max(1).default(0.2),
  })
  .refine((r) => r.max_delay >= r.initial_delay, {
    message: 'must not be shorter than initial_delay',
    path: ['max_delay'],
  });

export const ackLinksSchema = z.strictObject({
  secret: secretRef,
  ttl: duration.refine((ms) => ms > 0, 'must be longer than 0s').default(DAY_MS),
});

export const notificationsSchema = z.strictObject({
  channels: z
    .record(
      z
        .string()
        .regex(
          /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
          'a channel name is letters, digits, "_", "." and "-", starting with a letter or digit',
        ),
      channelConfigSchema,
    )
    .default({}),
  retry: retryPolicySchema.prefault({}),
  ack_links: ackLinksSchema.optional(),
});

export type NotificationsDocument = z.output<typeof notificationsSchema>;

export interface NotificationSettings {
  channels: Record<string, ChannelSettings>;
  retry: RetryPolicy;
  ackLinks?: { secret: string; ttlMs: number };
}

/** Reads the secrets a validated `notifications` section refers to; throws ConfigError naming the key. */
export function resolveNotifications(
  doc: NotificationsDocument,
  env: NodeJS.ProcessEnv = process.env,
  where: readonly PropertyKey[] = ['notifications'],
): NotificationSettings {
  const list = new ProblemList();
  const channels: Record<string, ChannelSettings> = {};
  for (const [name, channel] of Object.entries(doc.channels)) {
    // The name as one key of the path: "ops.mail" is one channel, not ops's mail.
    const settings = list.attempt(() => resolveChannel(channel, [...where, 'channels', name], env));
    if (settings) channels[name] = settings;
  }
  const links = doc.ack_links;
  const ackLinks =
    links &&
    list.attempt(() => {
      const path = [...where, 'ack_links', 'secret'];
      const secret = resolveSecret(links.secret, path, env);
      if (secret.length < MIN_ACK_SECRET_CHARS)
        throw new ConfigError([
          {
            path,
            message: `must be at least ${MIN_ACK_SECRET_CHARS} characters`,
          },
        ]);
      return { secret, ttlMs: links.ttl };
    });
  list.throwIfAny();
  const { max_attempts, initial_delay, max_delay, jitter } = doc.retry;
  return {
    channels,
    retry: { maxAttempts: max_attempts, initialDelayMs: initial_delay, maxDelayMs: max_delay, jitter },
    ...(ackLinks && { ackLinks }),
  };
}
