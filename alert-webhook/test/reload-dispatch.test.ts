import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { waitFor } from '@vigil/testkit';
import { createApp } from '../src/app';
import { parseConfig } from '../src/config';
import { openDatabase } from '../src/db/database';
import { startReceiver, type Receiver } from './fixtures/notify/receiver';
import { notification, tempDir } from './helpers';

// A reload while a channel is down and retrying: the new configuration delivers at once, the old
// dispatcher finishes its retries, and nothing is sent twice.

let down: Receiver;
let up: Receiver;
beforeAll(async () => {
  down = await startReceiver(() => ({ status: 503, body: 'down for maintenance' }));
  up = await startReceiver(() => ({ status: 200 }));
});
afterAll(async () => {
  await down.close();
  await up.close();
});

const env = { SECRET: 'webhook-secret' };

it('applies a reload at once while a channel retries, and sends nothing twice', async () => {
  const { dir, cleanup } = tempDir();
  const doc = {
    storage: { sqlite: { path: join(dir, 'vigil.db') } },
    notifications: {
      channels: {
        down: { kind: 'webhook', url: `${down.url}/down`, secret: { env: 'SECRET' } },
        up: { kind: 'webhook', url: `${up.url}/up`, secret: { env: 'SECRET' } },
      },
      retry: { max_attempts: 3, initial_delay: '1500ms', max_delay: '1500ms', jitter: 0 },
    },
    routing: {
      team: 'ops',
      channels: [],
      routes: [
        { matchers: ['service="a"'], channels: ['down'] },
        { matchers: ['service="b"'], channels: ['up'] },
      ],
    },
  };
  const config = parseConfig(doc, env);
  const db = await openDatabase(config.storage);
  const app = createApp(config, db, pino({ level: 'silent' }));
  const alert = async (service: string) => {
    await request(app.app)
      .post('/api/v1/alertmanager')
      .send(notification([{ fingerprint: service, labels: { service } }], { groupKey: service }))
      .expect(200);
    await app.inbox.drained();
  };
  try {
    await alert('a');
    await waitFor('the first attempt to the channel that is down', async () =>
      down.requests.length === 1 ? true : undefined,
    );
    await app.reload(parseConfig({ ...doc, log_level: 'debug' }, env));
    // Applied before the old dispatcher's retries are over (before, the reload waited for them: hours at
    // worst), and the new configuration delivers meanwhile.
    expect(down.requests).toHaveLength(1);
    await alert('b');
    await waitFor('the new configuration to deliver', async () =>
      up.requests.length === 1 ? true : undefined,
    );
    expect(down.requests.length).toBeLessThan(3);

    await app.dispatcher.idle();
    expect(down.requests).toHaveLength(3);
    expect(up.requests).toHaveLength(1);
    const rows = await db
      .selectFrom('notifications')
      .select(['channel', 'status', 'attempts'])
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { channel: 'down', status: 'failed', attempts: 3 },
      { channel: 'up', status: 'sent', attempts: 1 },
    ]);
  } finally {
    await app.inbox.stop();
    await app.dispatcher.idle();
    app.dispatcher.stop();
    await db.destroy();
    cleanup();
  }
});
