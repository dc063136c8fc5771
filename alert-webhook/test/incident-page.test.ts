import request from 'supertest';
import { startSmtpSink, waitFor, type SmtpSink } from '@vigil/testkit';
import { incidentUrl } from '../src/dispatch/message';
import { signAckToken, signViewToken, verifyViewToken, VIEW_PATH } from '../src/notify/links';
import { notification, startTestApp } from './helpers';

const SECRET = 'a-link-secret-of-at-least-32-characters!';
const PUBLIC_URL = 'http://vigil.example:9096';
const HOUR = 3_600_000;

let smtp: SmtpSink;
beforeAll(async () => {
  smtp = await startSmtpSink();
});
afterAll(() => smtp.close());
beforeEach(() => {
  smtp.received.length = 0;
});

const config = (extra: Record<string, unknown> = {}) => ({
  api: { tokens: [{ name: 'ops', role: 'responder', token: { env: 'TOKEN' } }] },
  notifications: {
    channels: {
      team: {
        kind: 'email',
        smtp: { host: '127.0.0.1', port: smtp.port },
        from: 'vigil@example.com',
        to: ['team@example.com'],
      },
    },
    ack_links: { secret: { env: 'ACK_SECRET' } },
  },
  routing: { team: 'ops', channels: ['team'] },
  server: { public_url: PUBLIC_URL },
  ...extra,
});
const env = { TOKEN: 'tok', ACK_SECRET: SECRET };

const HOSTILE = {
  labels: {
    service: '<script>alert("svc")</script>',
    severity: 'critical',
    pod: 'a&b "quoted" \'single\'',
  },
  annotations: {
    summary: 'Errors on <b>checkout</b>',
    description: '"><img src=x onerror=alert(1)>',
    runbook_url: 'javascript:alert(document.cookie)',
    dashboard: 'https://grafana.example/d/abc?var=1&x=<y>',
  },
};

type App = Awaited<ReturnType<typeof startTestApp>>;

/** Opens an incident from one hostile alert and returns the "View incident" link of its email. */
async function openIncident(t: App): Promise<{ link: string; text: string }> {
  await request(t.app)
    .post('/api/v1/alertmanager')
    .send(notification([HOSTILE]))
    .expect(200);
  await t.inbox.drained();
  await waitFor('the email', async () => smtp.received[0]);
  const html = smtp.received[0]!.html as string;
  const href = /<a href="([^"]+)">View incident<\/a>/.exec(html)?.[1];
  if (!href) throw new Error(`no View incident link in ${html}`);
  return { link: href.replace(/&amp;/g, '&'), text: smtp.received[0]!.text ?? '' };
}

const pathOf = (url: string) => new URL(url).pathname;

describe('the incident page of a notification without Grafana', () => {
  let t: App;
  let link: string;
  let text: string;
  beforeAll(async () => {
    t = await startTestApp(config(), env);
    ({ link, text } = await openIncident(t));
  });
  afterAll(() => t.close());

  it('is what "View incident" links to: a signed, expiring link under the public URL', () => {
    expect(link.startsWith(`${PUBLIC_URL}${VIEW_PATH}`)).toBe(true);
    const check = verifyViewToken(SECRET, link.split('/').pop()!);
    expect(check).toMatchObject({ ok: true, incidentId: 1 });
    // The acknowledge links' lifetime (24 h by default).
    const { expiresAt } = check as { expiresAt: Date };
    expect(Math.abs(expiresAt.getTime() - (Date.now() + 24 * HOUR))).toBeLessThan(60_000);
    expect(text).toContain(`Incident: ${link}`);
  });

  it('shows the incident, its alerts with labels and annotations, and its timeline, all escaped', async () => {
    const res = await request(t.app).get(pathOf(link)).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-store');
    const html = res.text;
    expect(html).toContain('<title>Incident #1: ');
    expect(html).toMatch(/<th[^>]*>Status<\/th><td[^>]*><strong>triggered<\/strong>/);
    expect(html).toMatch(/<th[^>]*>Severity<\/th><td[^>]*>critical</);
    expect(html).toContain('&#60;script&#62;alert(&#34;svc&#34;)&#60;/script&#62;');
    expect(html).toContain('a&#38;b &#34;quoted&#34; &#39;single&#39;');
    expect(html).toContain('Errors on &#60;b&#62;checkout&#60;/b&#62;');
    expect(html).toContain('&#34;&#62;&#60;img src=x onerror=alert(1)&#62;');
    expect(html).toMatch(/<th[^>]*>Opened<\/th><td[^>]*>2026-11-22 10:00:00 UTC</);
    expect(html).toMatch(/<th[^>]*>Acknowledged<\/th><td[^>]*>-</);
    // Only http(s) annotation values become links.
    expect(html).toContain(
      '<a href="https://grafana.example/d/abc?var=1&#38;x=%3Cy%3E" rel="noopener noreferrer">https://grafana.example/d/abc?var=1&#38;x=&#60;y&#62;</a>',
    );
    expect(html).not.toMatch(/href="javascript:/i);
    expect(html).toContain('javascript:alert(document.cookie)');
    // Nothing hostile survives as markup.
    expect(html).not.toMatch(/<script|<img|<b>checkout/i);
    // The timeline.
    expect(html).toContain('<h2>Timeline</h2>');
    expect(html).toMatch(/<td[^>]*>opened<\/td>/);
  });

  it('changes nothing: no form, and a POST to it is no action', async () => {
    const snapshot = async () => ({
      incident: await t.db.selectFrom('incidents').selectAll().where('id', '=', 1).executeTakeFirstOrThrow(),
      timeline: await t.db.selectFrom('timeline').selectAll().execute(),
      audit: await t.db.selectFrom('audit_log').selectAll().execute(),
    });
    const before = await snapshot();
    const page = await request(t.app).get(pathOf(link)).expect(200);
    expect(page.text).not.toMatch(/<form|<button/i);
    const post = await request(t.app).post(pathOf(link)).type('form').send('');
    expect(post.status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses forged, tampered, foreign and expired tokens', async () => {
    const token = link.split('/').pop()!;
    const [id, expiry, signature] = token.split('.') as [string, string, string];
    const refused = async (bad: string, status: number) => {
      const res = await request(t.app).get(`${VIEW_PATH}${bad}`).expect(status);
      expect(res.text).not.toContain('checkout');
    };
    await refused(`2.${expiry}.${signature}`, 403); // another incident
    await refused(`${id}.${Number(expiry) + 3600}.${signature}`, 403); // a later expiry
    await refused(`${id}.${expiry}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`, 403);
    await refused(signViewToken('another-secret-of-at-least-32-characters', 1, Date.now() + HOUR), 403);
    await refused('1.2.3', 403);
    // An acknowledge link's token does not open the incident page, nor the other way round.
    await refused(signAckToken(SECRET, 1, Date.now() + HOUR), 403);
    await request(t.app).get(`/api/v1/ack/${token}`).expect(403);
    // Expired.
    const expired = await request(t.app)
      .get(`${VIEW_PATH}${signViewToken(SECRET, 1, Date.now() - 1000)}`)
      .expect(410);
    expect(expired.text).toContain('This link has expired');
    // An incident that does not exist.
    await request(t.app)
      .get(`${VIEW_PATH}${signViewToken(SECRET, 99, Date.now() + HOUR)}`)
      .expect(404);
  });
});

describe('"View incident" elsewhere', () => {
  const links = { publicUrl: PUBLIC_URL, ackLinks: { secret: SECRET, ttlMs: HOUR } };

  it('is the Grafana incidents app whenever grafana.url is set', () => {
    expect(incidentUrl({ ...links, grafanaUrl: 'https://grafana.example/' }, 7)).toBe(
      'https://grafana.example/a/vigil-incidents-app/incidents/7',
    );
  });

  it('is the REST API with a public URL but no ack links, and no link at all without a public URL', () => {
    expect(incidentUrl({ publicUrl: PUBLIC_URL }, 7)).toBe(`${PUBLIC_URL}/api/v1/incidents/7`);
    expect(incidentUrl({}, 7)).toBe('');
    expect(incidentUrl({ ackLinks: links.ackLinks }, 7)).toBe('');
  });

  it('is left out of the email when there is none', async () => {
    const t = await startTestApp(
      {
        ...config(),
        server: {},
        notifications: { ...config().notifications, ack_links: undefined },
      },
      env,
    );
    try {
      await request(t.app)
        .post('/api/v1/alertmanager')
        .send(notification([HOSTILE]))
        .expect(200);
      await t.inbox.drained();
      const mail = await waitFor('the email', async () => smtp.received[0]);
      expect(mail.html).not.toContain('View incident');
      expect(mail.text).not.toContain('Incident:');
      // Without ack links there is no incident page either.
      await request(t.app)
        .get(`${VIEW_PATH}${signViewToken(SECRET, 1, Date.now() + HOUR)}`)
        .expect(404);
    } finally {
      await t.close();
    }
  });
});
