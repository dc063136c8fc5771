import pino from 'pino';
import request from 'supertest';
import { finishApp, Runtime, serviceApp } from '../src';

describe('readiness', () => {
  it('answers each probe, and logs only when readiness changes, not at every poll', async () => {
    const lines: { level: number; msg: string; reason?: string }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    let reason: string | undefined = 'loading history';
    const app = serviceApp(
      new Runtime({ name: 't', metricPrefix: 't', version: '1' }),
      { notReady: () => reason },
      log,
    );
    finishApp(app, log);
    for (let i = 0; i < 3; i++) {
      const res = await request(app).get('/readyz').expect(503);
      expect(res.body.error).toMatchObject({ code: 'not_ready', message: 'loading history' });
    }
    reason = undefined;
    await request(app).get('/readyz').expect(200, { status: 'ready' });
    await request(app).get('/-/ready').expect(200);
    reason = 'database unreachable';
    await request(app).get('/readyz').expect(503);
    expect(lines.map((l) => [l.level, l.msg, l.reason])).toEqual([
      [40, 'not ready', 'loading history'],
      [30, 'ready', undefined],
      [40, 'not ready', 'database unreachable'],
    ]);
  });

  it('answers "not ready" when the check hangs, naming how long it waited, and ready again once it answers', async () => {
    const log = pino({ level: 'silent' });
    let hang = true;
    const app = serviceApp(
      new Runtime({ name: 't', metricPrefix: 't', version: '1' }),
      { notReady: () => (hang ? new Promise<undefined>(() => {}) : undefined), readyTimeoutMs: 200 },
      log,
    );
    finishApp(app, log);
    const res = await request(app).get('/readyz').expect(503);
    expect(res.body.error).toMatchObject({
      code: 'not_ready',
      message: 'readiness check gave no answer within 200 ms',
    });
    hang = false;
    await request(app).get('/readyz').expect(200, { status: 'ready' });
  });
});
