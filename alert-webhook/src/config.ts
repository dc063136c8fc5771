import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  ConfigError,
  duration,
  loadConfigFile,
  logLevelSchema,
  ProblemList,
  resolveHttpClient,
  resolveSecret,
  secretRef,
  serverSchema,
  uniqueNames,
  validateConfig,
  type ConfigProblem,
  type HttpClientDocument,
  type HttpClientSettings,
  httpUrl,
} from '@vigil/service-kit';
import { routingSchema } from './routing/schema';
import type { RoutingTree } from './routing/tree';
import { schedulesSchema } from './oncall/schema';
import { notificationsSchema, resolveNotifications, type NotificationSettings } from './notify/config';
import { policySchema, userSchema, writtenPath } from './escalation/policy';
import { maintenanceWindowsSchema, noiseSchema } from './noise/config';
import { ROLES, type Role } from '@vigil/api-contract';
import { postgresSchema, resolvePostgres, type PostgresSettings } from './db/postgres';
import { reportChannelProblems, reportsSchema } from './reports/config';
import { retentionSchema } from './retention/config';
import { heartbeatsSchema } from './heartbeats/config';

export { ConfigError };

export { ROLES, type Role } from '@vigil/api-contract';

const apiToken = z
  .strictObject({
    name: z.string().min(1),
    role: z.enum(ROLES),
    sha256: z
      .string()
      // Either case, as sha256sum and openssl print it.
      .regex(/^[0-9a-fA-F]{64}$/, 'must be the SHA-256 of the token: 64 hex digits')
      .optional(),
    token: secretRef.optional(),
  })
  .refine((t) => (t.sha256 === undefined) !== (t.token === undefined), 'set exactly one of sha256 or token');

const sqliteSchema = z.strictObject({
  path: z.string().min(1).default('data/vigil.db'),
  // NORMAL survives a process crash (kill -9); FULL also survives power loss, at a cost per commit.
  synchronous: z.enum(['normal', 'full']).default('normal'),
  busy_timeout: duration.default(2000),
});

export const configSchema = z.strictObject({
  server: serverSchema(9096)
    .extend({
      body_limit_bytes: z
        .number()
        .int()
        .positive()
        .default(5 * 1024 * 1024),
      public_url: httpUrl.optional(),
    })
    .prefault({}),
  storage: z
    .strictObject({ sqlite: sqliteSchema.optional(), postgres: postgresSchema.optional() })
    .refine((s) => !(s.sqlite && s.postgres), 'set exactly one of sqlite or postgres')
    // SQLite is the default: neither given means SQLite with its defaults.
    .transform((s) =>
      s.postgres ? { postgres: s.postgres } : { sqlite: s.sqlite ?? sqliteSchema.parse({}) },
    )
    .prefault({}),
  webhook: z
    .strictObject({
      bearer_token: secretRef.optional(),
      basic_auth: z.strictObject({ username: z.string().min(1), password: secretRef }).optional(),
    })
    .prefault({}),
  api: z
    .strictObject({
      tokens: z.array(apiToken).default([]),
      // Without tokens: where the one-time admin token is kept (default beside the SQLite file, or data/).
      initial_admin_token_file: z.string().min(1).optional(),
    })
    .prefault({}),
  incidents: z
    .strictObject({
      // A group that fires again within this long after its incident resolved reopens it instead of opening a new one.
      reopen_window: duration.default(0),
    })
    .prefault({}),
  // Without a routing section every incident goes to one default route that notifies nobody.
  routing: routingSchema.default({
    matchers: [],
    continue: false,
    routes: [],
    team: 'default',
    channels: [],
  }),
  oncall: z.strictObject({ schedules: schedulesSchema.default([]) }).prefault({}),
  notifications: notificationsSchema.prefault({}),
  users: z.array(userSchema).superRefine(uniqueNames('user')).default([]),
  escalation_policies: z.array(policySchema).superRefine(uniqueNames('escalation policy')).default([]),
  grafana: z.strictObject({ url: httpUrl }).optional(),
  noise: noiseSchema.prefault({}),
  maintenance_windows: maintenanceWindowsSchema.default([]),
  reports: reportsSchema.prefault({}),
  retention: retentionSchema,
  heartbeats: heartbeatsSchema.default([]),
  log_level: logLevelSchema,
});

type RawConfig = z.output<typeof configSchema>;

export interface ApiTokenEntry {
  name: string;
  role: Role;
  hash: Buffer;
}

export interface Config extends Omit<RawConfig, 'webhook' | 'api' | 'notifications' | 'storage'> {
  storage:
    | { sqlite: z.output<typeof sqliteSchema>; postgres?: undefined }
    | { postgres: PostgresSettings; sqlite?: undefined };
  webhook: { bearerToken?: string; basicAuth?: { username: string; password: string } };
  api: { tokens: ApiTokenEntry[]; initial_admin_token_file?: string };
  notifications: NotificationSettings;
  /** noise.alertmanager_silences's http_config, its secrets and files read. */
  alertmanagerHttp?: HttpClientSettings;
  /** reports.prometheus's http_config, its secrets and files read. */
  prometheusHttp?: HttpClientSettings;
}

/** Names one part of the configuration uses that another must define; each unknown one is a problem. */
function crossReferences(raw: RawConfig): ConfigProblem[] {
  const channels = new Set(Object.keys(raw.notifications.channels));
  const users = new Set(raw.users.map((u) => u.name));
  const policies = new Set(raw.escalation_policies.map((p) => p.name));
  const schedules = new Set(raw.oncall.schedules.map((s) => s.name));
  const problems: ConfigProblem[] = [];
  const check = (known: Set<string>, what: string, names: string[], path: PropertyKey[]) => {
    names.forEach((name, i) => {
      if (!known.has(name)) problems.push({ path: [...path, i], message: `no ${what} named "${name}"` });
    });
  };
  const walk = (route: RoutingTree['routes'][number], path: PropertyKey[]) => {
    check(channels, 'notification channel', route.channels ?? [], [...path, 'channels']);
    if (route.escalation && !policies.has(route.escalation))
      problems.push({
        path: [...path, 'escalation'],
        message: `no escalation policy named "${route.escalation}"`,
      });
    route.routes.forEach((child, i) => walk(child, [...path, 'routes', i]));
  };
  walk(raw.routing, ['routing']);
  raw.users.forEach((u, i) => check(channels, 'notification channel', u.channels, ['users', i, 'channels']));
  for (const [name, channel] of Object.entries(raw.notifications.channels))
    if (channel.kind === 'slack_app')
      for (const [slackUser, user] of Object.entries(channel.users))
        if (!users.has(user))
          problems.push({
            path: ['notifications', 'channels', name, 'users', slackUser],
            message: `no user named "${user}"`,
          });
  raw.oncall.schedules.forEach((schedule, i) => {
    const path = ['oncall', 'schedules', i];
    schedule.rotations.forEach((rotation, j) =>
      check(users, 'user', rotation.participants, [...path, 'rotations', j, 'participants']),
    );
    schedule.overrides.forEach((override, j) => {
      if (!users.has(override.user))
        problems.push({
          path: [...path, 'overrides', j, 'user'],
          message: `no user named "${override.user}"`,
        });
    });
  });
  raw.escalation_policies.forEach((policy, i) =>
    policy.steps.forEach((step) => {
      const at = (key: string) => ['escalation_policies', i, ...writtenPath(step), key];
      if (step.kind === 'notify_channels')
        check(channels, 'notification channel', step.channels, at('channels'));
      if (step.kind === 'notify_users') check(users, 'user', step.users, at('users'));
      if (step.kind === 'notify_schedule') check(schedules, 'schedule', step.schedules, at('schedules'));
    }),
  );
  if (raw.notifications.ack_links && !raw.server.public_url) {
    problems.push({
      path: ['server', 'public_url'],
      message: 'needed for notifications.ack_links (the links point there)',
    });
  }
  problems.push(...reportChannelProblems(raw.reports, raw.notifications.channels));
  return problems;
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** An outgoing client's http_config resolved (its secrets and files read), when the client is configured. */
function egress(
  client: { http_config?: HttpClientDocument; timeout: number } | undefined,
  where: string,
  env: NodeJS.ProcessEnv,
): HttpClientSettings | undefined {
  return client && resolveHttpClient(client.http_config, `${where}.http_config`, client.timeout, env);
}

/**
 * Validates a parsed YAML document, then reads the secrets and files it names; throws a ConfigError with
 * every problem of the structure, or else every secret or file that cannot be had.
 */
export function parseConfig(doc: unknown, env: NodeJS.ProcessEnv = process.env): Config {
  const raw = validateConfig(configSchema, doc);
  const list = new ProblemList();
  list.problems.push(...crossReferences(raw));
  const { bearer_token, basic_auth } = raw.webhook;
  const storage = list.attempt(() =>
    raw.storage.postgres
      ? { postgres: resolvePostgres(raw.storage.postgres, env) }
      : { sqlite: raw.storage.sqlite },
  );
  const notifications = list.attempt(() => resolveNotifications(raw.notifications, env));
  const alertmanagerHttp = list.attempt(() =>
    egress(raw.noise.alertmanager_silences, 'noise.alertmanager_silences', env),
  );
  const prometheusHttp = list.attempt(() => egress(raw.reports.prometheus, 'reports.prometheus', env));
  const bearerToken =
    bearer_token && list.attempt(() => resolveSecret(bearer_token, 'webhook.bearer_token', env));
  const password =
    basic_auth && list.attempt(() => resolveSecret(basic_auth.password, 'webhook.basic_auth.password', env));
  const tokens = raw.api.tokens.map((t, i) => ({
    name: t.name,
    role: t.role,
    hash: t.sha256
      ? Buffer.from(t.sha256, 'hex')
      : list.attempt(() => sha256(resolveSecret(t.token as { env?: string }, `api.tokens[${i}].token`, env))),
  }));
  list.throwIfAny();
  return {
    ...raw,
    storage: storage!,
    notifications: notifications!,
    ...(alertmanagerHttp && { alertmanagerHttp }),
    ...(prometheusHttp && { prometheusHttp }),
    webhook: {
      bearerToken,
      basicAuth: basic_auth && { username: basic_auth.username, password: password! },
    },
    api: {
      tokens: tokens.map((t) => ({ ...t, hash: t.hash! })),
      initial_admin_token_file: raw.api.initial_admin_token_file,
    },
  };
}

/** The file's configuration, or the defaults without one; every problem names its line and key. */
export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): Config {
  if (path === undefined) return parseConfig({}, env);
  return loadConfigFile(path, (doc) => parseConfig(doc, env));
}
