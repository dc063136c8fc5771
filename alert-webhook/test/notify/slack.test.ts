import { createChannels } from '../../src/notify/registry';
import { NotificationSender, type DeliveryAttempt } from '../../src/notify/sender';
import { incidentMessage, plainHttp } from '../fixtures/notify/message';
import { startReceiver, type Receiver } from '../fixtures/notify/receiver';
import { slackError } from '../fixtures/notify/slack-validator';

interface SlackBody {
  text: string;
  blocks: { type: string; text: { text: string } }[];
  attachments: {
    color: string;
    blocks: {
      type: string;
      text?: { text: string };
      fields?: { text: string }[];
      elements?: { text: { text: string } | string; url?: string }[];
    }[];
  }[];
}

/** Answers like Slack: 400 with its error string for a bad payload, 429 beyond one message a second. */
async function startSlack(rateLimitOnce = false) {
  const lastAccepted = new Map<string, number>();
  let limited = false;
  return startReceiver((req) => {
    const error = slackError(req.headers['content-type'], req.body);
    if (error) return { status: 400, body: error };
    const previous = lastAccepted.get(req.path);
    if ((rateLimitOnce && !limited) || (previous !== undefined && req.receivedAt - previous < 1000)) {
      limited = true;
      return { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } };
    }
    lastAccepted.set(req.path, req.receivedAt);
    return { status: 200, body: 'ok' };
  });
}

const slackChannels = (urls: Record<string, string>) =>
  createChannels(
    Object.fromEntries(
      Object.entries(urls).map(([name, webhookUrl]) => [
        name,
        { kind: 'slack', webhookUrl, http: plainHttp(5000) },
      ]),
    ),
  );

describe('Slack channel', () => {
  let slack: Receiver;
  afterEach(() => slack.close());

  it('posts Block Kit that Slack accepts: severity colour, facts, alerts and buttons', async () => {
    slack = await startSlack();
    const message = incidentMessage();
    message.alerts[0]!.annotations.description = 'p99 > 2s for <checkout> & <cart>';
    const channel = slackChannels({ ops: `${slack.url}/services/T1/B1/secret` }).get('ops')!;

    expect(await channel.send(message)).toEqual({ ok: true, status: 200 });

    expect(channel.target).toBe(new URL(slack.url).host);
    const body = JSON.parse(slack.requests[0]!.body) as SlackBody;
    expect(body.text).toBe('[CRITICAL] checkout: High error rate on checkout');
    expect(body.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: body.text, emoji: true } },
    ]);
    const [attachment] = body.attachments;
    expect(attachment!.color).toBe('#E01E5A');
    const [facts, first, second, actions] = attachment!.blocks;
    expect(facts!.fields!.map((f) => f.text)).toEqual([
      '*Status*\nTriggered',
      '*Severity*\ncritical',
      '*Service*\ncheckout',
      '*Team*\npayments',
    ]);
    expect(first!.text!.text).toContain('description: p99 &gt; 2s for &lt;checkout&gt; &amp; &lt;cart&gt;');
    expect(second!.text!.text).toContain('Anomaly score: 4.2');
    expect(actions!.elements!.map((e) => e.url)).toEqual([message.incidentUrl, message.ackUrl]);
  });

  it('a title that reads as a mention in mrkdwn notifies nobody: the text is escaped, the header is plain', async () => {
    slack = await startSlack();
    const channel = slackChannels({ ops: `${slack.url}/services/T1/B1/secret` }).get('ops')!;
    expect(await channel.send(incidentMessage({ title: 'Disk full <!channel> & <@U0BOSS>' }))).toEqual({
      ok: true,
      status: 200,
    });
    const body = JSON.parse(slack.requests[0]!.body) as SlackBody;
    expect(body.text).toBe('[CRITICAL] checkout: Disk full &lt;!channel&gt; &amp; &lt;@U0BOSS&gt;');
    expect(body.blocks[0]!.text).toEqual({
      type: 'plain_text',
      text: '[CRITICAL] checkout: Disk full <!channel> & <@U0BOSS>',
      emoji: true,
    });
  });

  it('words a resolve as one, in green, without the acknowledge button', async () => {
    slack = await startSlack();
    const channel = slackChannels({ ops: `${slack.url}/hook` }).get('ops')!;
    expect((await channel.send(incidentMessage({ status: 'resolved' }))).ok).toBe(true);
    const body = JSON.parse(slack.requests[0]!.body) as SlackBody;
    expect(body.blocks[0]!.text.text).toBe('[RESOLVED] [CRITICAL] checkout: High error rate on checkout');
    expect(body.attachments[0]!.color).toBe('#2EB67D');
    expect(body.attachments[0]!.blocks[0]!.fields![0]!.text).toBe('*Status*\nResolved');
    const actions = body.attachments[0]!.blocks.at(-1)!;
    expect(actions.elements!.map((e) => e.url)).toEqual([incidentMessage().incidentUrl]);
  });

  it('shows no acknowledge button when ack links are not configured', async () => {
    slack = await startSlack();
    const channel = slackChannels({ ops: `${slack.url}/hook` }).get('ops')!;
    expect((await channel.send(incidentMessage({ ackUrl: '' }))).ok).toBe(true);
    const body = JSON.parse(slack.requests[0]!.body) as SlackBody;
    const actions = body.attachments[0]!.blocks.at(-1)!;
    expect(actions.elements!.map((e) => e.text)).toEqual([
      { type: 'plain_text', text: 'View incident', emoji: true },
    ]);
  });

  it('keeps oversized titles, annotations and alert lists within Slack limits', async () => {
    slack = await startSlack();
    const alert = {
      labels: {},
      annotations: { summary: 's', description: 'd'.repeat(5000) },
      startsAt: 'now',
    };
    const message = incidentMessage({
      title: 't'.repeat(500),
      alerts: Array.from({ length: 25 }, () => alert),
    });
    const outcome = await slackChannels({ ops: `${slack.url}/hook` })
      .get('ops')!
      .send(message);
    expect(outcome).toEqual({ ok: true, status: 200 });
    const body = JSON.parse(slack.requests[0]!.body) as SlackBody;
    expect(body.blocks[0]!.text.text).toHaveLength(150);
    expect(body.attachments[0]!.blocks.at(-2)).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: '… and 15 more alerts' }],
    });
  });

  it('sends at most one message a second per webhook URL, across channels sharing it', async () => {
    slack = await startSlack();
    const channels = slackChannels({
      first: `${slack.url}/services/A`,
      alias: `${slack.url}/services/A`,
      other: `${slack.url}/services/B`,
    });
    const outcomes = await Promise.all(
      ['first', 'alias', 'other'].map((n) => channels.get(n)!.send(incidentMessage())),
    );

    expect(outcomes.map((o) => o.status)).toEqual([200, 200, 200]);
    const at = (path: string) => slack.requests.filter((r) => r.path === path).map((r) => r.receivedAt);
    const [a1, a2] = at('/services/A') as [number, number];
    const [b1] = at('/services/B') as [number];
    expect(a2 - a1).toBeGreaterThanOrEqual(990);
    expect(Math.abs(b1 - a1)).toBeLessThan(500);
  });

  it('waits out Retry-After on 429 before trying again', async () => {
    slack = await startSlack(true);
    const attempts: DeliveryAttempt[] = [];
    const sender = new NotificationSender({
      policy: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 100, jitter: 0 },
      onAttempt: (a) => void attempts.push(a),
    });
    const last = await sender.deliver(
      slackChannels({ ops: `${slack.url}/hook` }).get('ops')!,
      incidentMessage(),
    );

    expect(attempts.map((a) => [a.outcome.status, a.outcome.retryAfterMs, a.retryInMs])).toEqual([
      [429, 1000, 1000],
      [200, undefined, undefined],
    ]);
    expect(last.outcome.ok).toBe(true);
    const [first, second] = slack.requests;
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(990);
  });
});
