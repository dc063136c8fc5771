import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import yaml from 'js-yaml';
import { z } from 'zod';
import { duration } from './duration';
import { ConfigError } from './validation';
import { resolveSecret, secretRef } from './secrets';
import { describeIssues } from './validation';
import { routingSchema } from './routing/schema';
import type { RoutingTree } from './routing/tree';
import { schedulesSchema } from './oncall/schema';
import { notificationsSchema, resolveNotifications, type NotificationSettings } from './notify/config';
import { policySchema, userSchema } from './escalation/policy';
import { maintenanceWindowsSchema, noiseSchema } from './noise/config';
import { postgresSchema, resolvePostgres, type PostgresSettings } from './db/postgres';
import { reportChannelProblems, reportsSchema } from './reports/config';

export { ConfigError };

export const ROLES = ['viewer', 'responder', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const apiToken = z
  .strictObject({
    name: z.string().min(1),
    role: z.enum(ROLES),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be the hex SHA-256 of the token')
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

const configSchema = z.strictObject({
  server: z
    .strictObject({
      listen_address: z.string().default('0.0.0.0'),
      port: z.number().int().min(0).max(65535).default(9096),
      body_limit_bytes: z
        .number()
        .int()
        .positive()
        .default(5 * 1024 * 1024),
      public_url: z.string().url().optional(),
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
  api: z.strictObject({ tokens: z.array(apiToken).default([]) }).prefault({}),
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
  users: z.array(userSchema).default([]),
  escalation_policies: z.array(policySchema).default([]),
  grafana: z.strictObject({ url: z.url() }).optional(),
  noise: noiseSchema.prefault({}),
  maintenance_windows: maintenanceWindowsSchema.default([]),
  reports: reportsSchema.prefault({}),
  log_level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
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
  api: { tokens: ApiTokenEntry[] };
  notifications: NotificationSettings;
}

/** Names one part of the configuration uses that another must define; each unknown one is a problem. */
function crossReferences(raw: RawConfig): string[] {
  const channels = new Set(Object.keys(raw.notifications.channels));
  const users = new Set(raw.users.map((u) => u.name));
  const policies = new Set(raw.escalation_policies.map((p) => p.name));
  const schedules = new Set(raw.oncall.schedules.map((s) => s.name));
  const problems: string[] = [];
  const check = (known: Set<string>, what: string, names: string[], where: string) => {
    for (const name of names) if (!known.has(name)) problems.push(`${where}: no ${what} named "${name}"`);
  };
  const walk = (route: RoutingTree['routes'][number], where: string) => {
    check(channels, 'notification channel', route.channels ?? [], `${where}.channels`);
    check(policies, 'escalation policy', route.escalation ? [route.escalation] : [], `${where}.escalation`);
    route.routes.forEach((child, i) => walk(child, `${where}.routes.${i}`));
  };
  walk(raw.routing, 'routing');
  raw.users.forEach((u, i) => check(channels, 'notification channel', u.channels, `users.${i}.channels`));
  raw.escalation_policies.forEach((policy, i) =>
    policy.steps.forEach((step, j) => {
      const where = `escalation_policies.${i}.steps.${j}.notify`;
      check(channels, 'notification channel', step.notify.channels, `${where}.channels`);
      check(users, 'user', step.notify.users, `${where}.users`);
      check(schedules, 'schedule', step.notify.schedules, `${where}.schedules`);
    }),
  );
  if (raw.notifications.ack_links && !raw.server.public_url) {
    problems.push('server.public_url: needed for notifications.ack_links (the links point there)');
  }
  problems.push(...reportChannelProblems(raw.reports, raw.notifications.channels));
  return problems;
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Validates a parsed YAML document; throws ConfigError naming the key path of the first problems. */
export function parseConfig(doc: unknown, env: NodeJS.ProcessEnv = process.env): Config {
  const result = configSchema.safeParse(doc ?? {});
  if (!result.success) {
    const problems = describeIssues(result.error).map((p) => `${p.field}: ${p.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const raw = result.data;
  const unknown = crossReferences(raw);
  if (unknown.length > 0) throw new ConfigError(`invalid configuration: ${unknown.join('; ')}`);
  const { bearer_token, basic_auth } = raw.webhook;
  return {
    ...raw,
    storage: raw.storage.postgres
      ? { postgres: resolvePostgres(raw.storage.postgres, env) }
      : { sqlite: raw.storage.sqlite },
    notifications: resolveNotifications(raw.notifications, env),
    webhook: {
      bearerToken: bearer_token && resolveSecret(bearer_token, 'webhook.bearer_token', env),
      basicAuth: basic_auth && {
        username: basic_auth.username,
        password: resolveSecret(basic_auth.password, 'webhook.basic_auth.password', env),
      },
    },
    api: {
      tokens: raw.api.tokens.map((t, i) => ({
        name: t.name,
        role: t.role,
        hash: t.sha256
          ? Buffer.from(t.sha256, 'hex')
          : sha256(resolveSecret(t.token as { env?: string }, `api.tokens[${i}].token`, env)),
      })),
    },
  };
}

export function loadConfig(path: string | undefined, env: NodeJS.ProcessEnv = process.env): Config {
  if (path === undefined) return parseConfig({}, env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = yaml.load(text, { filename: path });
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid YAML: ${(err as Error).message}`);
  }
  return parseConfig(doc, env);
}
