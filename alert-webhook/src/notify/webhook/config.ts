import { z } from 'zod';
import { allOf, resolveSecret, secretRef, type HttpClientSettings, httpUrl } from '@vigil/service-kit';
import { httpConfig, resolveHttp, timeout } from '../common-config';

export const webhookSchema = z.strictObject({
  kind: z.literal('webhook'),
  url: httpUrl,
  secret: secretRef,
  timeout,
  http_config: httpConfig,
});

export interface WebhookSettings {
  kind: 'webhook';
  url: string;
  secret: string;
  http: HttpClientSettings;
}

export function resolveWebhook(
  channel: z.output<typeof webhookSchema>,
  where: readonly PropertyKey[],
  env: NodeJS.ProcessEnv,
): WebhookSettings {
  const [secret, http] = allOf(
    () => resolveSecret(channel.secret, [...where, 'secret'], env),
    () => resolveHttp(channel, where, env),
  );
  return { kind: 'webhook', url: channel.url, secret, http };
}
