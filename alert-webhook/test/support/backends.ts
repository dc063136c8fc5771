import { join } from 'node:path';
import { startPostgres, type Postgres } from '@vigil/testkit';

export type Backend = 'sqlite' | 'postgres';
/** Both; the mutation run (alert-webhook/mutation/jest.config.js) narrows it with VIGIL_TEST_BACKENDS. */
export const BACKENDS: Backend[] = (process.env.VIGIL_TEST_BACKENDS?.split(',') as Backend[] | undefined) ?? [
  'sqlite',
  'postgres',
];

let server: Promise<Postgres> | undefined;
let databases = 0;

/**
 * The `storage` section for a fresh, empty database: a file in `dir`, or a new database on this test file's
 * PostgreSQL (started on first use; the test file stops it with stopTestPostgres in afterAll).
 */
export async function freshStorage(backend: Backend, dir: string): Promise<Record<string, unknown>> {
  if (backend === 'sqlite') return { sqlite: { path: join(dir, 'test.db') } };
  const pg = await testPostgres();
  const database = `vigil_${process.pid}_${++databases}`;
  await pg.createDatabase(database);
  return { postgres: { host: pg.host, port: pg.port, database, user: pg.user, pool_size: 4 } };
}

/** This test file's PostgreSQL, started on first use. */
export function testPostgres(): Promise<Postgres> {
  server ??= startPostgres();
  return server;
}

export async function stopTestPostgres(): Promise<void> {
  const running = server;
  server = undefined;
  if (running) await (await running).stop();
}
