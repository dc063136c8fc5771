import {
  formatDuration,
  loadConfigFile,
  httpClientSchema,
  logLevelSchema,
  nameSchema,
  positiveDuration,
  timerDuration,
  resolveHttpClient,
  serverSchema,
  validateConfig,
  type HttpClientSettings,
  prometheusUrl,
} from '@vigil/service-kit';
import { z } from 'zod';
import { DEFAULT_NOVELTY, type NoveltySettings } from './detectors/novelty';
import { longestStepFor, SEASONALITIES } from './detectors/seasonal-baseline';

const querySchema = z.strictObject({
  name: nameSchema,
  query: z.string().min(1),
  // Capacity planning: the time until the series' trend reaches this value is exported.
  threshold: z.number().optional(),
});

/** The longest history, in steps: pulled at start in 100 requests per query. */
const MAX_HISTORY_STEPS = 1_000_000;

export const configSchema = z
  .strictObject({
    server: serverSchema(9472).prefault({}),
    log_level: logLevelSchema,
    prometheus: z.strictObject({
      url: prometheusUrl,
      timeout: timerDuration.default(30_000),
      // Credentials, headers, TLS and proxy for the requests to it, as Prometheus's own http_config.
      http_config: httpClientSchema.optional(),
    }),
    // Resolution of query_range and of the models; also how often new samples are pulled, a request per
    // query each time: finer than a second would flood Prometheus.
    step: timerDuration.refine((ms) => ms >= 1000, 'must be at least 1s').default(60_000),
    // Pulled once per series at start, so that models begin trained.
    history: positiveDuration.default(14 * 86_400_000),
    // Per query: a query matching more series than this keeps only the first ones, bounding memory.
    max_series_per_query: z.number().int().positive().default(1000),
    model: z
      .strictObject({
        seasonality: z.enum(['auto', ...SEASONALITIES]).default('auto'),
        band_sigmas: z.number().positive().default(DEFAULT_NOVELTY.bandSigmas),
        long_memory: positiveDuration.default(DEFAULT_NOVELTY.longMemoryMs),
        short_memory: positiveDuration.default(DEFAULT_NOVELTY.shortMemoryMs),
      })
      .prefault({}),
    forecast: z
      .strictObject({
        // One series per horizon: 60m and 1h are one horizon, labelled 1h.
        horizons: z
          .array(positiveDuration)
          .refine((list) => new Set(list).size === list.length, 'horizons must differ (60m and 1h are one)')
          .default([3_600_000, 86_400_000]),
      })
      .prefault({}),
    queries: z.array(querySchema).min(1),
  })
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.queries.forEach((q, i) => {
      if (seen.has(q.name))
        ctx.addIssue({
          code: 'custom',
          path: ['queries', i, 'name'],
          message: `duplicate query name "${q.name}"`,
        });
      seen.add(q.name);
    });
    if (cfg.history < cfg.step)
      ctx.addIssue({ code: 'custom', path: ['history'], message: 'must be at least one step' });
    // The start pulls it in query_range requests of 10,000 steps: beyond 100 each, a flood of them.
    else if (cfg.history > MAX_HISTORY_STEPS * cfg.step)
      ctx.addIssue({
        code: 'custom',
        path: ['history'],
        message: `must be at most ${MAX_HISTORY_STEPS.toLocaleString('en')} steps (${formatDuration(MAX_HISTORY_STEPS * cfg.step)} at step ${formatDuration(cfg.step)})`,
      });
    // Under auto a season the step is too long for is merely left out; asked for, it would be dropped unsaid.
    const { seasonality } = cfg.model;
    const longest = seasonality === 'auto' ? Infinity : longestStepFor(seasonality);
    if (cfg.step > longest)
      ctx.addIssue({
        code: 'custom',
        path: ['model', 'seasonality'],
        message: `${seasonality} needs a step of at most ${formatDuration(longest)} (8 steps a period); step is ${formatDuration(cfg.step)}`,
      });
    if (cfg.model.short_memory > cfg.model.long_memory)
      ctx.addIssue({
        code: 'custom',
        path: ['model', 'short_memory'],
        message: 'must not exceed long_memory',
      });
  });

export interface QueryConfig {
  name: string;
  query: string;
  threshold?: number;
}

export interface Config {
  server: { listen_address: string; port: number };
  log_level: string;
  prometheus: { url: string; timeoutMs: number; http: HttpClientSettings };
  stepMs: number;
  historyMs: number;
  maxSeriesPerQuery: number;
  model: NoveltySettings;
  horizonsMs: number[];
  queries: QueryConfig[];
}

export { ConfigError } from '@vigil/service-kit';

/** Validates a parsed YAML document as a whole; throws ConfigError naming the key path of each problem. */
export function parseConfig(doc: unknown): Config {
  const raw = validateConfig(configSchema, doc);
  return {
    server: raw.server,
    log_level: raw.log_level,
    prometheus: {
      url: raw.prometheus.url.replace(/\/+$/, ''),
      timeoutMs: raw.prometheus.timeout,
      http: resolveHttpClient(raw.prometheus.http_config, 'prometheus.http_config', raw.prometheus.timeout),
    },
    stepMs: raw.step,
    historyMs: raw.history,
    maxSeriesPerQuery: raw.max_series_per_query,
    model: {
      ...DEFAULT_NOVELTY,
      seasonality: raw.model.seasonality,
      bandSigmas: raw.model.band_sigmas,
      longMemoryMs: raw.model.long_memory,
      shortMemoryMs: raw.model.short_memory,
    },
    horizonsMs: raw.forecast.horizons,
    queries: raw.queries,
  };
}

/** Reads and validates a config file; each problem names its file:line:col and key path. */
export function loadConfig(path: string): Config {
  return loadConfigFile(path, parseConfig);
}
