import { z } from 'zod';
import {
  allOf,
  ConfigError,
  httpClientSchema,
  httpUrl,
  resolveHttpClient,
  resolveSecret,
  secretRef,
  timerDuration,
  type HttpClientSettings,
  type SecretRef,
} from '@vigil/service-kit';

/** What every integration's config has: how long one attempt may take (a timer's: over 0s, at most 24.8 days). */
export const timeout = timerDuration.default(10_000);
/** Auth, headers, TLS and proxy for an HTTP integration, as Prometheus's `http_config`. */
export const httpConfig = httpClientSchema.optional();

/** The HTTP client settings of an integration: its http_config with its timeout. */
export function resolveHttp(
  channel: { http_config?: z.output<typeof httpClientSchema>; timeout: number },
  where: readonly PropertyKey[],
  env: NodeJS.ProcessEnv,
): HttpClientSettings {
  return resolveHttpClient(channel.http_config, [...where, 'http_config'], channel.timeout, env);
}

/** A secret holding a URL (Slack's and Teams' webhook URLs carry their own credential). */
export function secretUrl(ref: SecretRef, where: readonly PropertyKey[], env: NodeJS.ProcessEnv): string {
  const value = resolveSecret(ref, where, env);
  // The value is a secret: say what is wrong with it without echoing it.
  if (!httpUrl.safeParse(value).success)
    throw new ConfigError([{ path: where, message: 'the secret is not an http(s) URL' }]);
  return value;
}

/** Slack's and Teams' incoming webhooks: a URL that is its own credential, hence a secret. */
export const incomingWebhookSchema = <K extends string>(kind: K) =>
  z.strictObject({ kind: z.literal(kind), webhook_url: secretRef, timeout, http_config: httpConfig });

export interface IncomingWebhookSettings<K extends string> {
  kind: K;
  webhookUrl: string;
  http: HttpClientSettings;
}

export function resolveIncomingWebhook<K extends string>(
  channel: z.output<ReturnType<typeof incomingWebhookSchema<K>>>,
  where: readonly PropertyKey[],
  env: NodeJS.ProcessEnv,
): IncomingWebhookSettings<K> {
  const [webhookUrl, http] = allOf(
    () => secretUrl(channel.webhook_url, [...where, 'webhook_url'], env),
    () => resolveHttp(channel, where, env),
  );
  return { kind: channel.kind, webhookUrl, http };
}
