import request from 'supertest';
import { notification } from './helpers';
import { manualClock, startReportsApp, tempDir, TOKENS } from './fixtures/reports';

type App = Awaited<ReturnType<typeof startReportsApp>>;

/** The value of one series in the exposition text; undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('incident response metrics', () => {
  const dir = tempDir();
  const clock = manualClock(new Date().toISOString());
  let t: App;
  afterAll(() => dir.cleanup());

  const scrape = async (settled: boolean) => {
    // The app reads acknowledgements once they are two seconds old: its clock is set well past that, or
    // well before (so that a slow test run cannot let them settle on its own).
    clock.set(new Date(Date.now() + (settled ? 5000 : -60_000)).toISOString());
    return (await request(t.app).get('/metrics').expect(200)).text;
  };
  // In capitals, as some rules write it: counted, targeted and breached as critical all the same.
  const alert = (status: 'firing' | 'resolved', startsAt: string) =>
    notification(
      [{ fingerprint: 'cpu', status, startsAt, labels: { severity: 'CRITICAL', team: 'payments' } }],
      {
        groupKey: 'cpu',
      },
    );
  const CRITICAL = { severity: 'critical', team: 'payments' };
  const TTA = 'vigil_incident_time_to_acknowledge_seconds';
  const TTR = 'vigil_incident_time_to_resolve_seconds';

  it('observes acknowledgements and resolutions once, and counts incidents in SLA breach', async () => {
    t = await startReportsApp({}, clock, dir.dir);
    // Closed however the test ends: an app left open would keep jest from exiting.
    try {
      const hook = () => request(t.app).post('/api/v1/alertmanager');
      // The alert started 1000 s ago: past the 15-minute critical target, not yet acknowledged.
      const startsAt = new Date(Date.now() - 1_000_000).toISOString();
      await hook().send(alert('firing', startsAt)).expect(200);
      await t.inbox.drained();

      let text = await scrape(true);
      expect(sample(text, 'vigil_incidents_sla_breached', { severity: 'critical' })).toBe(1);
      expect(sample(text, 'vigil_incidents_sla_breached', { severity: 'warning' })).toBe(0);
      expect(sample(text, `${TTA}_count`, CRITICAL)).toBeUndefined();

      const { body } = await request(t.app)
        .get('/api/v1/incidents')
        .set('Authorization', `Bearer ${TOKENS.viewer}`)
        .expect(200);
      await request(t.app)
        .post(`/api/v1/incidents/${body.items[0].id}/acknowledge`)
        .set('Authorization', `Bearer ${TOKENS.responder}`)
        .expect(200);

      // Just acknowledged: not read yet (it may still be committing elsewhere), but no longer in breach.
      text = await scrape(false);
      expect(sample(text, `${TTA}_count`, CRITICAL)).toBeUndefined();
      expect(sample(text, 'vigil_incidents_sla_breached', { severity: 'critical' })).toBe(0);

      text = await scrape(true);
      expect(sample(text, `${TTA}_count`, CRITICAL)).toBe(1);
      expect(sample(text, `${TTA}_bucket`, { ...CRITICAL, le: '900' })).toBe(0);
      expect(sample(text, `${TTA}_bucket`, { ...CRITICAL, le: '1800' })).toBe(1);
      expect(sample(text, `${TTA}_sum`, CRITICAL)).toBeGreaterThanOrEqual(1000);
      expect(sample(text, `${TTR}_count`, CRITICAL)).toBeUndefined();

      // Alertmanager resolves the alert: the incident resolves by itself.
      await hook().send(alert('resolved', startsAt)).expect(200);
      await t.inbox.drained();
      text = await scrape(true);
      expect(sample(text, `${TTR}_count`, CRITICAL)).toBe(1);
      expect(sample(text, `${TTR}_bucket`, { ...CRITICAL, le: '1800' })).toBe(1);
      // Read once: a further scrape counts nothing again.
      text = await scrape(true);
      expect(sample(text, `${TTA}_count`, CRITICAL)).toBe(1);
      expect(sample(text, `${TTR}_count`, CRITICAL)).toBe(1);
      // The notification and escalation counters the dashboards also use are served alongside.
      expect(text).toContain('# TYPE vigil_notifications_total counter');
      expect(text).toContain('# TYPE vigil_escalation_steps_total counter');
    } finally {
      await t.close();
    }
  });

  it('starts counting afresh after a restart, without replaying history', async () => {
    t = await startReportsApp({ routing: { team: 'payments', channels: [] } }, clock, dir.dir);
    try {
      const text = await scrape(true);
      // A configured team's series are there at 0, so that increase() counts its first acknowledgement.
      expect(sample(text, `${TTA}_count`, CRITICAL)).toBe(0);
      expect(sample(text, `${TTR}_count`, CRITICAL)).toBe(0);
      expect(sample(text, `${TTA}_count`, { severity: 'warning', team: 'none' })).toBe(0);
      // Not an unconfigured one's (alert data is anyone's to write), nor `none` severity's.
      expect(sample(text, `${TTA}_count`, { severity: 'critical', team: 'checkout' })).toBeUndefined();
      expect(sample(text, `${TTA}_count`, { severity: 'none', team: 'payments' })).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});
