import { buildMessage } from '../src/dispatch/message';
import { ingest } from '../src/incidents/ingest';
import { parseConfig } from '../src/config';
import { verifyAckToken } from '../src/notify/links';
import { notification, openTempDb } from './helpers';

describe('the message channels render', () => {
  it('carries the anomaly score annotation, the Grafana incident page and a signed ack link', async () => {
    const { db, close } = await openTempDb();
    try {
      await ingest(
        db,
        [
          {
            payload: notification([
              { fingerprint: 'a', annotations: { anomaly_score: '0.93' } },
              { fingerprint: 'b' },
            ]),
          },
        ],
        { reopenWindowMs: 0, routing: parseConfig({}).routing, policies: new Map() },
      );
      const secret = 'x'.repeat(32);
      const message = await buildMessage(db, 1, {
        publicUrl: 'https://vigil.example/',
        grafanaUrl: 'https://grafana.example',
        ackLinks: { secret, ttlMs: 60_000 },
      });
      expect(message).toMatchObject({
        incidentId: 1,
        status: 'triggered',
        severity: 'warning',
        service: 'api',
      });
      expect(message.alerts.map((a) => a.anomalyScore)).toEqual([0.93, undefined]);
      expect(message.incidentUrl).toBe('https://grafana.example/a/vigil-incidents-app/incidents/1');
      expect(message.ackUrl.startsWith('https://vigil.example/api/v1/ack/')).toBe(true);
      expect(verifyAckToken(secret, message.ackUrl.split('/').pop()!)).toMatchObject({
        ok: true,
        incidentId: 1,
      });
    } finally {
      await close();
    }
  });
});
