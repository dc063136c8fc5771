import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { startFakeJira, type FakeJira } from '@vigil/testkit';
import { createApp } from '../../src/app';
import { parseConfig } from '../../src/config';
import { openDatabase } from '../../src/db/database';
import { createChannels } from '../../src/notify/registry';
import { incidentMessage } from '../fixtures/notify/message';
import { notification, tempDir } from '../helpers';

const AUTH = `Basic ${Buffer.from('vigil@example.com:jira-api-token').toString('base64')}`;
let jira: FakeJira;
beforeAll(async () => {
  jira = await startFakeJira({ authorization: AUTH, projects: ['OPS'] });
});
afterAll(() => jira.close());
beforeEach(() => jira.issues.clear());

const env = { WEBHOOK_TOKEN: 'w'.repeat(20), API_TOKEN: 'a'.repeat(20), JIRA_TOKEN: 'jira-api-token' };

async function receiver(apiVersion: 2 | 3, timeout = '10s') {
  const { dir, cleanup } = tempDir();
  const config = parseConfig(
    {
      storage: { sqlite: { path: join(dir, 'vigil.db') } },
      webhook: { bearer_token: { env: 'WEBHOOK_TOKEN' } },
      api: { tokens: [{ name: 'ops', role: 'admin', token: { env: 'API_TOKEN' } }] },
      notifications: {
        channels: {
          tickets: {
            kind: 'jira',
            url: jira.url,
            api_version: apiVersion,
            project: 'OPS',
            min_severity: 'error',
            labels: ['vigil'],
            timeout,
            http_config: { basic_auth: { username: 'vigil@example.com', password: { env: 'JIRA_TOKEN' } } },
          },
        },
        retry: { max_attempts: 3, initial_delay: '10ms', max_delay: '20ms' },
      },
      routing: { team: 'ops', channels: ['tickets'] },
    },
    env,
  );
  const db = await openDatabase(config.storage);
  const app = createApp(config, db, pino({ level: 'silent' }));
  const settle = async () => {
    await app.inbox.drained();
    await app.dispatcher.idle();
  };
  const alert = async (fingerprint: string, severity: string) => {
    await request(app.app)
      .post('/api/v1/alertmanager')
      .set('Authorization', `Bearer ${env.WEBHOOK_TOKEN}`)
      .send(
        notification([{ fingerprint, name: `Alert${fingerprint}`, labels: { severity } }], {
          groupKey: fingerprint,
        }),
      )
      .expect(200);
    await settle();
  };
  const api = (method: 'get' | 'post', path: string) =>
    request(app.app)[method](`/api/v1/incidents${path}`).set('Authorization', `Bearer ${env.API_TOKEN}`);
  const close = async () => {
    await app.inbox.stop();
    await app.dispatcher.idle();
    app.dispatcher.stop();
    await db.destroy();
    cleanup();
  };
  return { app: app.app, config: app.config, db, alert, api, settle, close };
}

describe.each([3, 2] as const)('Jira REST API v%i', (version) => {
  it('creates one issue at or above min_severity, shows it on the incident, comments on acknowledge, transitions on resolve', async () => {
    const r = await receiver(version);
    try {
      await r.alert('a', 'critical');
      await r.alert('b', 'warning');
      expect(jira.issues.size).toBe(1);
      const [issue] = [...jira.issues.values()];
      const key = issue!.key;
      expect(issue!.fields).toMatchObject({
        project: { key: 'OPS' },
        issuetype: { name: 'Task' },
        labels: ['vigil', 'vigil-incident-1'],
      });
      expect(typeof issue!.fields.description).toBe(version === 2 ? 'string' : 'object');
      const shown = await r.api('get', '/1').expect(200);
      expect(shown.body.tickets).toEqual([{ channel: 'tickets', key, url: `${jira.url}/browse/${key}` }]);

      await r.api('post', '/1/acknowledge').send({}).expect(200);
      await r.settle();
      expect(issue!.comments).toHaveLength(1);
      await r.api('post', '/1/resolve').send({}).expect(200);
      await r.settle();
      expect(issue!.comments).toHaveLength(2);
      expect(issue!.status).toBe('Done');
      const rows = await r.db
        .selectFrom('notifications')
        .select(['event', 'status'])
        .where('incident_id', '=', 1)
        .execute();
      expect(rows.every((n) => n.status === 'sent')).toBe(true);
    } finally {
      await r.close();
    }
  });
});

describe.each([3, 2] as const)('Jira retries, API v%i', (version) => {
  const sent = (r: Awaited<ReturnType<typeof receiver>>) =>
    r.db.selectFrom('notifications').select(['event', 'status', 'attempts']).orderBy('id').execute();

  it('creates the issue on the retry after Jira refused the first create (503), and comments once on a retried resolve', async () => {
    const r = await receiver(version);
    try {
      jira.outage(1, { status: 503, body: { errorMessages: ['busy'] } });
      await r.alert('c', 'critical');
      expect(jira.issues.size).toBe(1);
      expect(await sent(r)).toEqual([{ event: 'triggered', status: 'sent', attempts: 2 }]);
      // The resolve's first request fails: the retry transitions and comments, once.
      jira.outage(1, { status: 503, body: { errorMessages: ['busy'] } });
      await r.api('post', '/1/resolve').send({}).expect(200);
      await r.settle();
      const [issue] = [...jira.issues.values()];
      expect(issue!.status).toBe('Done');
      expect(issue!.comments).toHaveLength(1);
    } finally {
      await r.close();
    }
  });

  it('takes over its own claim when the create got no answer, and finds the issue Jira made rather than making two', async () => {
    const r = await receiver(version, '300ms');
    try {
      jira.withhold(1);
      await r.alert('d', 'critical');
      expect(jira.issues.size).toBe(1);
      expect(await sent(r)).toEqual([{ event: 'triggered', status: 'sent', attempts: 2 }]);
      const row = await r.db.selectFrom('tickets').select(['key']).executeTakeFirst();
      expect(row?.key).toBe([...jira.issues.keys()][0]);
    } finally {
      await r.close();
    }
  });
});

describe.each([
  [3, ['/rest/api/3/search/jql']],
  // On Data Center /search; on Cloud, which has removed it (410), /search/jql.
  [2, ['/rest/api/2/search']],
] as const)('Jira idempotency, API v%s', (version, searched) => {
  it('never makes two issues for one incident: retries, a claim left by a crash, 429', async () => {
    const r = await receiver(version);
    jira.requests.splice(0);
    const searches = () => jira.requests.filter((q) => q.path.includes('/search')).map((q) => q.path);
    try {
      const channel = createChannels(r.config.notifications.channels, r.db).get('tickets')!;
      const message = incidentMessage({ incidentId: 5, severity: 'critical' });
      expect(await channel.send(message)).toMatchObject({ ok: true, status: 201 });
      expect(await channel.send(message)).toEqual({ ok: true });
      // A claim of its own made now needs no search: nobody can have made the issue.
      expect(searches()).toEqual([]);
      const [key] = [...jira.issues.keys()];
      // A claim still fresh (another attempt at work) is waited for: retried later, nothing created.
      await r.db.updateTable('tickets').set({ key: null, url: null }).where('incident_id', '=', 5).execute();
      expect(await channel.send(message)).toMatchObject({ ok: false, code: 'ECLAIMED' });
      // A process that died after Jira created the issue, before storing its key: once its claim is stale it
      // is taken over, and the issue found by its label.
      const old = new Date(Date.now() - 3_600_000).toISOString();
      await r.db.updateTable('tickets').set({ created_at: old }).where('incident_id', '=', 5).execute();
      expect(await channel.send(message)).toMatchObject({ ok: true, status: 200 });
      expect(jira.issues.size).toBe(1);
      expect(searches()).toEqual(searched);
      const row = await r.db
        .selectFrom('tickets')
        .select(['key'])
        .where('incident_id', '=', 5)
        .executeTakeFirst();
      expect(row?.key).toBe(key);
      // Two sends at once (two replicas, or a retry racing): one claims and creates, the other waits.
      const other = incidentMessage({ incidentId: 6, severity: 'critical' });
      const both = await Promise.all([channel.send(other), channel.send(other)]);
      expect(both.map((o) => o.ok).sort()).toEqual([false, true]);
      expect(jira.issues.size).toBe(2);
      jira.throttle(1, 1);
      expect(await channel.send(incidentMessage({ incidentId: 7 }))).toMatchObject({
        ok: false,
        status: 429,
        retryAfterMs: 1000,
        permanent: false,
      });
    } finally {
      await r.close();
    }
  });

  it('a resolve_transition not offered fails, naming those offered, unless the issue is done already', async () => {
    const r = await receiver(version);
    try {
      const doc = { ...r.config.notifications.channels.tickets!, resolveTransition: 'Closed' } as never;
      const channel = createChannels({ tickets: doc }, r.db).get('tickets')!;
      const message = incidentMessage({ incidentId: 9, severity: 'critical' });
      expect(await channel.send(message)).toMatchObject({ ok: true, status: 201 });
      const [key] = [...jira.issues.keys()];
      expect(await channel.send({ ...message, status: 'resolved' })).toEqual({
        ok: false,
        permanent: true,
        error: `resolve_transition "Closed" is not offered for ${key} in status "To Do" (offered: "In Progress", "Done")`,
      });
      // Refused for good before any comment; closed by hand, the resolve is said in a comment (201).
      expect(jira.issues.get(key!)!.comments).toHaveLength(0);
      jira.issues.get(key!)!.status = 'Done';
      expect(await channel.send({ ...message, status: 'resolved' })).toMatchObject({ ok: true, status: 201 });
      expect(jira.issues.get(key!)!.comments).toHaveLength(1);
    } finally {
      await r.close();
    }
  });

  it('a 400 names the fields Jira refused', async () => {
    const r = await receiver(version);
    try {
      const doc = { ...r.config.notifications.channels.tickets!, project: 'NOPE' } as never;
      const channel = createChannels({ t: doc }, r.db).get('t')!;
      expect(await channel.send(incidentMessage({ incidentId: 8 }))).toMatchObject({
        ok: false,
        status: 400,
        permanent: true,
        error: 'HTTP 400: project: valid project is required',
      });
    } finally {
      await r.close();
    }
  });
});
