import { faultToEmail, type ScenarioReport } from '../../scripts/stack/src/scenario';
import { startTempStack, type Stack } from '../../scripts/stack/src/stack';

const TEAM = 'team@vigil.localhost';
const ONCALL = 'oncall@vigil.localhost';
const ESCALATE_AFTER_S = 6;

/**
 * From fault to email with real processes: the native stack (Prometheus, Alertmanager, alert-webhook, the
 * exporters, the demo, the SMTP catcher) on free loopback ports, with second-long intervals.
 */
describe('end to end: a failing service pages, the email acknowledges, recovery resolves', () => {
  let stack: Stack | undefined;
  let report: ScenarioReport;

  beforeAll(async () => {
    stack = await startTempStack({
      scrapeInterval: '1s',
      checkInterval: '1s',
      groupWait: '1s',
      groupInterval: '1s', // Alertmanager sends the resolved notification at the next group interval
      // The shipped ServiceDown rule waits `for: 2m`; the stack loads a copy waiting 1s (one evaluation
      // interval) so that the test takes seconds. rules/ itself is not changed, and its promtool tests
      // cover the real `for:`.
      alertFor: { ServiceDown: '1s' },
      escalateAfter: `${ESCALATE_AFTER_S}s`,
    });
    report = await faultToEmail(stack, ESCALATE_AFTER_S * 1000);
  }, 90_000);

  afterAll(() => stack?.stop());

  it('opens a critical incident from the ServiceDown rule, routed to the ops team', () => {
    expect(report.opened).toMatchObject({
      status: 'triggered',
      severity: 'critical',
      service: 'demo',
      team: 'ops',
      title: 'demo is down',
      common_labels: expect.objectContaining({ alertname: 'ServiceDown', service: 'demo' }),
    });
  });

  it('emails the team and the on-call engineer as it opens, and the team again after the wait step', () => {
    // The team's mail (the route's) and the on-call's (escalation step 1) go out together, in either order.
    const [opening, stepTwo, extra] = [report.beforeAck.slice(0, 2), ...report.beforeAck.slice(2)];
    expect(opening.map((m) => m.to).sort()).toEqual([[ONCALL], [TEAM]]);
    expect(stepTwo?.to).toEqual([TEAM]);
    expect(extra).toBeUndefined();
    for (const mail of report.beforeAck) {
      expect(mail.subject).toBe('[CRITICAL] demo: demo is down');
      expect(mail.text).toMatch(/^Acknowledge: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/ack\/\S+$/m);
    }
    const stepOne = opening.find((m) => m.to[0] === ONCALL)?.receivedAt ?? Infinity;
    expect((stepTwo?.receivedAt ?? 0) - stepOne).toBeGreaterThan((ESCALATE_AFTER_S - 1) * 1000);
  });

  it('shows a button behind the signed link, and changes nothing until it is pressed', () => {
    expect(report.ackPage.status).toBe(200);
    expect(report.ackPage.html).toContain('<form method="post">');
    expect(report.ackPage.incidentStatus).toBe('triggered');
  });

  it('acknowledges when the button is pressed, and escalation stops', () => {
    expect(report.ackPost.status).toBe(200);
    expect(report.ackPost.html).toContain(`Incident #${report.opened.id} acknowledged`);
    expect(report.ackPost.incidentStatus).toBe('acknowledged');
    expect(report.afterAck).toEqual([]);
    const escalated = report.resolved.timeline.filter((e) => e.kind === 'escalated').map((e) => e.message);
    expect(escalated).toEqual([
      'step 1 of page-oncall; notified oncall-email',
      'step 3 of page-oncall; notified team-email',
    ]);
  });

  it('resolves the incident when the demo recovers, and emails the team', () => {
    expect(report.resolved).toMatchObject({ status: 'resolved', acknowledged_by: 'ack-link' });
    expect(report.afterRecovery.map((m) => [m.to, m.subject])).toEqual([
      [[TEAM], '[RESOLVED] [CRITICAL] demo: demo is down'],
    ]);
    expect(report.afterRecovery[0]?.text).not.toContain('Acknowledge:');
  });
});
