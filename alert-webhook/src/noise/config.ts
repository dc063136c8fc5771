import { z } from 'zod';
import { duration, httpClientSchema, timerDuration, httpUrl, uniqueNames } from '@vigil/service-kit';
import { matches, type Matcher } from '../routing/matchers';
import { matchersField } from '../routing/schema';
import { parseRfc3339 } from '@vigil/api-contract';

const positive = duration.refine((ms) => ms > 0, 'must be longer than 0s');

/**
 * Matchers for a maintenance window. As for Alertmanager silences, at least one must not match the empty
 * string: a window of only `x!="y"`-style matchers would silence nearly everything by accident.
 */
export const windowMatchers = matchersField.refine(
  (ms: Matcher[]) => ms.some((m) => !matches(m, {})),
  'needs at least one matcher that does not match the empty string (e.g. service="db")',
);

/** A time in the configuration: RFC 3339, quoted or not (YAML reads an unquoted one as a timestamp). */
const timestamp = z.preprocess(
  (v) => (v instanceof Date && !Number.isNaN(v.getTime()) ? v.toISOString() : v),
  z
    .string({ error: 'expected an RFC 3339 time' })
    .refine((s) => parseRfc3339(s) !== undefined, 'must be an RFC 3339 time')
    .transform((s) => new Date(parseRfc3339(s) as number).toISOString()),
);

const windowSchema = z
  .strictObject({
    name: z.string().min(1),
    matchers: windowMatchers,
    starts_at: timestamp,
    ends_at: timestamp,
    comment: z.string().default(''),
  })
  .refine((w) => w.ends_at > w.starts_at, { path: ['ends_at'], message: 'must be after starts_at' });

export const maintenanceWindowsSchema = z.array(windowSchema).superRefine(uniqueNames('window'));

export type ConfigWindow = z.output<typeof windowSchema>;

/** Every part is off unless configured. */
export const noiseSchema = z.strictObject({
  // More than `transitions` resolves and reopens within `window` make an incident flapping.
  flapping: z.strictObject({ transitions: z.number().int().min(1), window: positive }).optional(),
  // More than `incidents` of one team opening within `window` is a storm: notifications go out as digests.
  storm: z
    .strictObject({
      incidents: z.number().int().min(1),
      window: positive.default(60_000),
      digest_interval: positive.default(60_000),
    })
    .optional(),
  // Mirror each maintenance window as a silence in this Alertmanager (v2 API).
  alertmanager_silences: z
    .strictObject({
      url: httpUrl,
      timeout: timerDuration.default(10_000),
      // Credentials, headers, TLS and proxy for the requests to it, as Prometheus's http_config.
      http_config: httpClientSchema.optional(),
    })
    .optional(),
});

export type NoiseSettings = z.output<typeof noiseSchema>;
