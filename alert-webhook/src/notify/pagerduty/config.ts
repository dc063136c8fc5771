import { z } from 'zod';
import {
  allOf,
  ConfigError,
  resolveSecret,
  secretRef,
  type HttpClientSettings,
  httpUrl,
} from '@vigil/service-kit';
import { httpConfig, resolveHttp, timeout } from '../common-config';

export const PAGERDUTY_SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type PagerDutySeverity = (typeof PAGERDUTY_SEVERITIES)[number];

export const pagerDutySchema = z.strictObject({
  kind: z.literal('pagerduty'),
  // The integration key of a PagerDuty service's "Events API v2" integration (32 characters).
  routing_key: secretRef,
  url: httpUrl.default('https://events.pagerduty.com/v2/enqueue'),
  // Incident severities (regardless of case) to PagerDuty's four; one not listed is `default_severity`. A
  // map given here replaces this default one.
  severities: z
    .record(z.string().min(1), z.enum(PAGERDUTY_SEVERITIES))
    .default({ critical: 'critical', error: 'error', warning: 'warning', info: 'info' }),
  default_severity: z.enum(PAGERDUTY_SEVERITIES).default('error'),
  // payload.source: where the problem is; the incident's service when unset.
  source: z.string().min(1).optional(),
  timeout,
  http_config: httpConfig,
});

export interface PagerDutySettings {
  kind: 'pagerduty';
  routingKey: string;
  url: string;
  severities: Record<string, PagerDutySeverity>;
  defaultSeverity: PagerDutySeverity;
  source?: string;
  http: HttpClientSettings;
}

/**
 * An integration key is 32 letters and digits: anything else would be refused at the first page, not at
 * the check. The problem says what is wrong (its length, other characters such as a stray quote or space)
 * without echoing the key.
 */
function integrationKey(key: string, path: readonly PropertyKey[]): string {
  const others = key.replace(/[A-Za-z0-9]/g, '').length;
  if (key.length === 32 && others === 0) return key;
  const wrong = [
    ...(key.length === 32 ? [] : [`it has ${key.length} characters`]),
    ...(others === 0 ? [] : [others === 1 ? 'one character is neither' : `${others} characters are neither`]),
  ];
  throw new ConfigError([
    {
      path,
      message: `must be an Events API v2 integration key, 32 letters and digits: ${wrong.join(' and ')}`,
    },
  ]);
}

export function resolvePagerDuty(
  channel: z.output<typeof pagerDutySchema>,
  where: readonly PropertyKey[],
  env: NodeJS.ProcessEnv,
): PagerDutySettings {
  const keyAt = [...where, 'routing_key'];
  const [routingKey, http] = allOf(
    () => integrationKey(resolveSecret(channel.routing_key, keyAt, env), keyAt),
    () => resolveHttp(channel, where, env),
  );
  return {
    kind: 'pagerduty',
    routingKey,
    url: channel.url,
    // Matched regardless of case, as severities are everywhere else (Jira's min_severity, the metrics).
    severities: Object.fromEntries(Object.entries(channel.severities).map(([k, v]) => [k.toLowerCase(), v])),
    defaultSeverity: channel.default_severity,
    ...(channel.source !== undefined && { source: channel.source }),
    http,
  };
}
