import type { Db } from '../src/db/database';
import { buildDigestMessage } from '../src/noise/digest';
import { addIncident, addNotification, withNoiseDb } from './support/noise-db';

/** A digest holding one notification of each incident given (two for the first, as after an escalation). */
async function digestOf(db: Db, incidents: number[]): Promise<number> {
  const digest = await addNotification(db, incidents[0]!, { event: 'digest', hold_ref: '1' });
  for (const [i, id] of incidents.entries()) {
    const held = { status: 'held' as const, hold_reason: 'storm' as const, hold_ref: '1', digest_id: digest };
    await addNotification(db, id, held);
    if (i === 0) await addNotification(db, id, { ...held, event: 'escalation' });
  }
  return digest;
}

describe('a storm digest as a message', () => {
  it('lists each incident once, with its link, the highest severity and the services counted', async () => {
    await withNoiseDb(async (db) => {
      const a = await addIncident(db, { team: 'db ops', service: 'pg', severity: 'warning', title: 'lag' });
      const b = await addIncident(db, {
        team: 'db ops',
        service: 'pg',
        severity: 'critical',
        status: 'resolved',
      });
      const c = await addIncident(db, {
        team: 'db ops',
        service: null,
        severity: 'info',
        opened_at: '2026-11-22T10:05:00.000Z',
      });
      const digest = await digestOf(db, [a, b, c]);
      const message = await buildDigestMessage(db, digest, { grafanaUrl: 'https://grafana.example/' });
      expect(message).toEqual({
        incidentId: a,
        status: 'triggered',
        severity: 'critical',
        service: '2 services',
        team: 'db ops',
        title: 'Alert storm: 3 incidents for team db ops',
        alerts: [
          {
            labels: { incident: String(a), severity: 'warning', service: 'pg' },
            annotations: {
              summary: `#${a} [triggered] lag`,
              incident_url: `https://grafana.example/a/vigil-incidents-app/incidents/${a}`,
            },
            startsAt: '2026-11-22T10:00:00.000Z',
          },
          {
            labels: { incident: String(b), severity: 'critical', service: 'pg' },
            annotations: {
              summary: `#${b} [resolved] disk full`,
              incident_url: `https://grafana.example/a/vigil-incidents-app/incidents/${b}`,
            },
            startsAt: '2026-11-22T10:00:00.000Z',
          },
          {
            labels: { incident: String(c), severity: 'info' },
            annotations: {
              summary: `#${c} [triggered] disk full`,
              incident_url: `https://grafana.example/a/vigil-incidents-app/incidents/${c}`,
            },
            startsAt: '2026-11-22T10:05:00.000Z',
          },
        ],
        incidentUrl: 'https://grafana.example/a/vigil-incidents-app/incidents?team=db%20ops',
        ackUrl: '',
      });
    });
  });

  it('is resolved when every incident in it is, names one service, and has no links without a URL', async () => {
    await withNoiseDb(async (db) => {
      const a = await addIncident(db, { service: 'api', status: 'resolved' });
      const digest = await digestOf(db, [a]);
      const message = await buildDigestMessage(db, digest, {});
      expect(message.status).toBe('resolved');
      expect(message.service).toBe('api');
      expect(message.title).toBe('Alert storm: 1 incident for team (none)');
      expect(message.team).toBeNull();
      expect(message.incidentUrl).toBe('');
      expect(message.alerts[0]!.annotations).toEqual({ summary: `#${a} [resolved] disk full` });
    });
  });

  it('lists incidents without a service as an unknown one, and the team-less list unfiltered', async () => {
    await withNoiseDb(async (db) => {
      const a = await addIncident(db);
      const b = await addIncident(db);
      const message = await buildDigestMessage(db, await digestOf(db, [a, b]), {
        publicUrl: 'https://vigil.example',
      });
      expect(message.service).toBe('unknown service');
      expect(message.incidentUrl).toBe('https://vigil.example/api/v1/incidents');
    });
  });

  it('refuses a digest that carries nothing, naming it', async () => {
    await withNoiseDb(async (db) => {
      const a = await addIncident(db);
      const digest = await addNotification(db, a, { event: 'digest' });
      await expect(buildDigestMessage(db, digest, {})).rejects.toThrow(
        `digest ${digest} carries no notifications`,
      );
    });
  });
});
