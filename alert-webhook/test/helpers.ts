import { join } from 'node:path';
import { Writable } from 'node:stream';
import { tempDir } from '@vigil/testkit';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../src/app';
import { parseConfig, type Config } from '../src/config';
import { openDatabase, type Db } from '../src/db/database';
import type { WebhookPayload } from '../src/webhook/payload';
import { freshStorage, type Backend } from './support/backends';

export { tempDir };

/** A logger at info whose lines the test reads back: parsed, and as written. */
export function captureLog() {
  const lines: Record<string, unknown>[] = [];
  let raw = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      raw += chunk.toString();
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines, raw: () => raw };
}

/** A receiver guarded as in production: a webhook token, and an API token per role (secrets from env). */
export const GUARDED = {
  env: { HOOK: 'hook-secret', RESPONDER: 'responder-secret', VIEWER: 'viewer-secret' },
  config: {
    webhook: { bearer_token: { env: 'HOOK' } },
    api: {
      tokens: [
        { name: 'alice', role: 'responder', token: { env: 'RESPONDER' } },
        { name: 'dash', role: 'viewer', token: { env: 'VIEWER' } },
      ],
    },
  },
  asResponder: { Authorization: 'Bearer responder-secret' },
  asViewer: { Authorization: 'Bearer viewer-secret' },
  asHook: { Authorization: 'Bearer hook-secret' },
};

/** The guarded receiver on a temp SQLite file, `doc` added to its config. */
export const startGuardedApp = (doc: Record<string, unknown> = {}) =>
  startTestApp({ ...GUARDED.config, ...doc }, GUARDED.env);

/** A fresh database on the backend (see support/backends.ts for PostgreSQL's lifetime). */
export async function openTempDb(
  backend: Backend = 'sqlite',
): Promise<{ db: Db; close: () => Promise<void> }> {
  const { dir, cleanup } = tempDir();
  const db = await openDatabase(parseConfig({ storage: await freshStorage(backend, dir) }).storage);
  return {
    db,
    close: async () => {
      await db.destroy();
      cleanup();
    },
  };
}

/** The db with some of its methods replaced (Kysely's private fields rule out Object.create). */
export function overriding(db: Db, overrides: Partial<Db>): Db {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop in overrides) return overrides[prop as keyof Db];
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * The mutation run (mutation/jest.config.js) merges in process: Stryker switches mutants on in the test's
 * thread only, so the merge thread would run unmutated code.
 */
export const mergeInProcess = () => process.env.VIGIL_TEST_MERGE_IN_PROCESS === '1';

/** An app on a temp SQLite file with the given config document (tokens etc.), not listening. */
export async function startTestApp(
  doc: Record<string, unknown> = {},
  env: NodeJS.ProcessEnv = {},
  /** An existing directory whose database to open (a restart); it is left in place on close. */
  reuseDir?: string,
  /** PostgreSQL: a fresh database on the test file's server (see support/backends.ts). */
  backend: Backend = 'sqlite',
) {
  const { dir, cleanup } = reuseDir ? { dir: reuseDir, cleanup: () => undefined } : tempDir();
  const sqlite = (doc.storage as { sqlite?: object } | undefined)?.sqlite;
  const storage =
    backend === 'sqlite'
      ? { sqlite: { ...sqlite, path: join(dir, 'test.db') } }
      : await freshStorage(backend, dir);
  const config: Config = parseConfig({ ...doc, storage, log_level: 'fatal' }, env);
  const db = await openDatabase(config.storage);
  const { app, inbox, metrics, dispatcher, escalator, noise, heartbeats } = createApp(
    config,
    db,
    pino({ level: 'silent' }),
    {
      mergeThread: !mergeInProcess(),
    },
  );
  return {
    app,
    inbox,
    metrics,
    dispatcher,
    escalator,
    noise,
    heartbeats,
    db,
    dir,
    dbPath: join(dir, 'test.db'),
    close: async () => {
      await inbox.drained();
      await inbox.stop();
      await dispatcher.idle();
      dispatcher.stop();
      await db.destroy();
      cleanup();
    },
  };
}

/** Runs body against an app of `doc` holding one incident (one alert, merged), closing the app after. */
export async function withOneIncident(
  doc: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  body: (t: Awaited<ReturnType<typeof startTestApp>>, incidentId: number) => Promise<void>,
) {
  const t = await startTestApp(doc, env);
  try {
    await request(t.app)
      .post('/api/v1/alertmanager')
      .send(notification([{ fingerprint: 'one' }]))
      .expect(200);
    await t.inbox.drained();
    const { id } = await t.db.selectFrom('incidents').select('id').executeTakeFirstOrThrow();
    await body(t, id);
  } finally {
    await t.close();
  }
}

export interface AlertSpec {
  name?: string;
  fingerprint?: string;
  status?: 'firing' | 'resolved';
  startsAt?: string;
  endsAt?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A webhook v4 notification as Alertmanager sends it; the group status follows the alerts. */
export function notification(
  alerts: AlertSpec[],
  group: { receiver?: string; groupKey?: string; extra?: Record<string, unknown> } = {},
): WebhookPayload {
  const built = alerts.map((a, i) => {
    const status = a.status ?? 'firing';
    const labels = { alertname: a.name ?? 'HighErrorRate', severity: 'warning', service: 'api', ...a.labels };
    return {
      status,
      labels,
      annotations: { summary: `${labels.alertname} on ${labels.service}`, ...a.annotations },
      startsAt: a.startsAt ?? '2026-11-22T10:00:00.000Z',
      endsAt: a.endsAt ?? (status === 'resolved' ? '2026-11-22T10:05:00.000Z' : '0001-01-01T00:00:00Z'),
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: a.fingerprint ?? `fp${i}`,
    };
  });
  return {
    version: '4',
    groupKey: group.groupKey ?? '{}:{alertname="HighErrorRate"}',
    truncatedAlerts: 0,
    status: built.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: group.receiver ?? 'vigil',
    groupLabels: { alertname: 'HighErrorRate' },
    commonLabels: { alertname: 'HighErrorRate' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts: built,
    ...group.extra,
  };
}
