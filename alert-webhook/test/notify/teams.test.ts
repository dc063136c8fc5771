import { createTeamsChannel } from '../../src/notify/teams/teams';
import { incidentMessage, plainHttp } from '../fixtures/notify/message';
import { startReceiver, type Receiver } from '../fixtures/notify/receiver';
import { teamsError } from '../fixtures/notify/teams-validator';

interface Card {
  body: {
    type: string;
    style?: string;
    items?: { text: string }[];
    facts?: { title: string; value: string }[];
    text?: string;
  }[];
  actions: { title: string; url: string }[];
}

describe('Teams channel', () => {
  let teams: Receiver;
  beforeEach(async () => {
    // Workflow triggers answer 202 Accepted; a body they cannot use gets 400, one over 28 KB 413.
    teams = await startReceiver((req) => {
      if (Buffer.byteLength(req.body) > 28_000) return { status: 413, body: 'Request Entity Too Large' };
      const problem = teamsError(req.headers['content-type'], req.body);
      return problem ? { status: 400, body: problem } : { status: 202 };
    });
  });
  afterEach(() => teams.close());

  const send = async (...args: Parameters<typeof incidentMessage>) => {
    const channel = createTeamsChannel('ops', {
      kind: 'teams',
      webhookUrl: `${teams.url}/workflows/abc/triggers/manual/paths/invoke?sig=secret`,
      http: plainHttp(5000),
    });
    const outcome = await channel.send(incidentMessage(...args));
    const sent = JSON.parse(teams.requests.at(-1)!.body) as { attachments: { content: Card }[] };
    return { channel, outcome, card: sent.attachments[0]!.content };
  };

  it('posts an Adaptive Card the workflow accepts, styled by severity, with both links', async () => {
    const { channel, outcome, card } = await send();
    expect(outcome).toEqual({ ok: true, status: 202 });
    expect(channel.target).toBe(new URL(teams.url).host);
    const [banner, facts, summary] = card.body;
    expect(banner).toMatchObject({ type: 'Container', style: 'attention' });
    expect(banner!.items![0]!.text).toBe('[CRITICAL] checkout: High error rate on checkout');
    expect(facts!.facts).toEqual([
      { title: 'Status', value: 'Triggered' },
      { title: 'Severity', value: 'critical' },
      { title: 'Service', value: 'checkout' },
      { title: 'Team', value: 'payments' },
    ]);
    expect(summary!.text).toBe('High error rate on checkout');
    expect(card.body.flatMap((e) => e.facts ?? [])).toContainEqual({ title: 'Anomaly score', value: '4.2' });
    expect(card.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'View incident', url: incidentMessage().incidentUrl },
      { type: 'Action.OpenUrl', title: 'Acknowledge', url: incidentMessage().ackUrl },
    ]);
  });

  it('turns green on resolve and drops the acknowledge action', async () => {
    const { outcome, card } = await send({ status: 'resolved', severity: 'warning' });
    expect(outcome.ok).toBe(true);
    expect(card.body[0]).toMatchObject({ style: 'good' });
    expect(card.actions.map((a) => a.title)).toEqual(['View incident']);
  });

  it('styles warnings and unknown severities with styles Teams knows', async () => {
    expect((await send({ severity: 'warning' })).card.body[0]!.style).toBe('warning');
    const unknown = await send({ severity: 'page-everyone' });
    expect(unknown.outcome.ok).toBe(true);
    expect(unknown.card.body[0]!.style).toBe('emphasis');
  });

  it("counts a legacy connector's 200 that says delivery failed as the failure it names", async () => {
    const connector = await startReceiver((_req, i) => ({
      status: 200,
      body: `Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error ${i === 0 ? 429 : 413} with ContextId tcid=0,server=msgapi-production-eus-azsc2-4-170,cv=deadbeef.0..`,
    }));
    try {
      const channel = createTeamsChannel('ops', {
        kind: 'teams',
        webhookUrl: `${connector.url}/webhookb2/abc@def/IncomingWebhook/123/456`,
        http: plainHttp(5000),
      });
      expect(await channel.send(incidentMessage())).toMatchObject({
        ok: false,
        status: 429,
        permanent: false,
      });
      expect(await channel.send(incidentMessage())).toMatchObject({
        ok: false,
        status: 413,
        permanent: true,
      });
    } finally {
      await connector.close();
    }
  });

  it("leaves alerts out, the last first, until the message fits Teams' 28 KB", async () => {
    const alerts = Array.from({ length: 10 }, (_, i) => ({
      labels: { alertname: `Alert${i}` },
      annotations: { summary: `alert ${i}`, description: 'd'.repeat(3500) },
      startsAt: '2026-11-22T10:00:00.000Z',
    }));
    const { outcome, card } = await send({ alerts });
    expect(outcome).toMatchObject({ ok: true, status: 202 });
    expect(Buffer.byteLength(teams.requests.at(-1)!.body)).toBeLessThanOrEqual(28_000);
    const titles = card.body.filter((b) => b.type === 'TextBlock').map((b) => b.text);
    const kept = titles.filter((t) => t?.startsWith('alert ')).length;
    expect(kept).toBeGreaterThan(5);
    expect(kept).toBeLessThan(10);
    expect(titles).toContain(`… and ${10 - kept} more alerts`);
    expect(titles.filter((t) => t?.startsWith('alert '))).toEqual(
      Array.from({ length: kept }, (_, i) => `alert ${i}`),
    );
  });
});
