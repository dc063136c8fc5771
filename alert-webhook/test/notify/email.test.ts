import type { SmtpSink } from '@vigil/testkit';
import type { EmailSettings } from '../../src/notify/email/config';
import { createEmailChannel } from '../../src/notify/email/email';
import { ackUrl, verifyAckToken } from '../../src/notify/links';
import { incidentMessage } from '../fixtures/notify/message';
import { startSmtpServer } from '../fixtures/notify/smtp';

const ACK_SECRET = 's'.repeat(32);

describe('email channel', () => {
  let smtp: SmtpSink;
  let settings: EmailSettings;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    const { port } = smtp;
    settings = {
      kind: 'email',
      smtp: { host: '127.0.0.1', port, secure: false, requireTls: false },
      from: 'Vigil <vigil@example.com>',
      to: ['oncall@example.com', 'lead@example.com'],
      timeoutMs: 5000,
    };
  });

  afterAll(() => smtp.close());
  beforeEach(() => {
    smtp.received.length = 0;
  });

  it("shows the incident's tickets (Jira) with their links", async () => {
    const tickets = [{ channel: 'tickets', key: 'OPS-7', url: 'https://example.atlassian.net/browse/OPS-7' }];
    await createEmailChannel('oncall', settings).send(incidentMessage({ tickets }));
    const mail = smtp.received[0]!;
    expect(mail.text).toContain('Ticket: OPS-7 https://example.atlassian.net/browse/OPS-7');
    expect(mail.html).toContain('<a href="https://example.atlassian.net/browse/OPS-7">Ticket OPS-7</a>');
  });

  it('sends HTML and text with the incident and acknowledge links, escaping annotations', async () => {
    const message = incidentMessage({
      ackUrl: ackUrl('https://vigil.example.com', ACK_SECRET, 42, 3_600_000),
    });
    message.alerts[0]!.annotations.description = '<script>alert("x")</script> & <b>more</b>';
    const channel = createEmailChannel('oncall', settings);

    const outcome = await channel.send(message);

    expect(outcome).toEqual({ ok: true, status: 250 });
    expect(channel.target).toBe('oncall@example.com, lead@example.com');
    expect(smtp.received).toHaveLength(1);
    const mail = smtp.received[0]!;
    expect(mail.subject).toBe('[CRITICAL] checkout: High error rate on checkout');
    expect(mail.from?.value).toEqual([{ name: 'Vigil', address: 'vigil@example.com' }]);
    expect(mail.to).toMatchObject({ text: 'oncall@example.com, lead@example.com' });

    expect(mail.text).toContain(`Incident: ${message.incidentUrl}`);
    expect(mail.text).toContain(`Acknowledge: ${message.ackUrl}`);
    expect(mail.text).toContain('description: <script>alert("x")</script> & <b>more</b>');
    expect(mail.text).toContain('Anomaly score: 4.2');
    expect(mail.text).toContain('Labels: alertname=LatencyAnomaly, service=checkout, severity=critical');

    const html = mail.html as string;
    expect(html).toContain(`<a href="${message.incidentUrl}">View incident</a>`);
    expect(html).toContain(`<a href="${message.ackUrl}">Acknowledge</a>`);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;more&lt;/b&gt;');
    expect(html).not.toMatch(/<script|<b>more/);
    expect(html).toContain('#E01E5A');

    // The link in the mail as received is one the acknowledge endpoint will accept.
    const token = /\/api\/v1\/ack\/(\S+)/.exec(mail.text ?? '')?.[1] as string;
    expect(verifyAckToken(ACK_SECRET, token)).toMatchObject({ ok: true, incidentId: 42 });
  });

  it('marks a resolve in the subject and leaves the acknowledge link out', async () => {
    const message = incidentMessage({ status: 'resolved' });
    await createEmailChannel('oncall', settings).send(message);
    const mail = smtp.received[0]!;
    expect(mail.subject).toBe('[RESOLVED] [CRITICAL] checkout: High error rate on checkout');
    expect(mail.text).toContain('Status: Resolved');
    expect(mail.text).not.toContain(message.ackUrl);
    expect(mail.html).not.toContain(message.ackUrl);
    expect(mail.html).toContain('#2EB67D');
  });

  it('offers no acknowledge link when ack links are not configured', async () => {
    const message = incidentMessage({ ackUrl: '' });
    await createEmailChannel('oncall', settings).send(message);
    const mail = smtp.received[0]!;
    expect(mail.text).toContain(`Incident: ${message.incidentUrl}`);
    expect(mail.text).not.toContain('Acknowledge');
    expect(mail.html).not.toContain('Acknowledge');
  });

  it('reports a permanent rejection as permanent and a temporary one as worth retrying', async () => {
    const gone = await createEmailChannel('x', { ...settings, to: ['gone@example.com'] }).send(
      incidentMessage(),
    );
    expect(gone).toMatchObject({ ok: false, status: 550, code: 'EENVELOPE', permanent: true });
    const busy = await createEmailChannel('x', { ...settings, to: ['busy@example.com'] }).send(
      incidentMessage(),
    );
    expect(busy).toMatchObject({ ok: false, status: 451, permanent: false });
    expect(smtp.received).toHaveLength(0);
  });

  it('delivers to the recipients that were accepted and names the ones that were not', async () => {
    const outcome = await createEmailChannel('x', {
      ...settings,
      to: ['ok@example.com', 'gone@example.com'],
    }).send(incidentMessage());
    expect(outcome).toEqual({ ok: true, status: 250, error: 'rejected recipients: gone@example.com' });
    expect(smtp.received).toHaveLength(1);
  });

  it('reports an unreachable server with its code', async () => {
    const outcome = await createEmailChannel('x', { ...settings, smtp: { ...settings.smtp, port: 1 } }).send(
      incidentMessage(),
    );
    expect(outcome).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
    expect(outcome.permanent).toBeUndefined();
  });
});
