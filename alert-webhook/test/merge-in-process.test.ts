import request from 'supertest';
import { MergeLoop } from '../src/inbox/merge-loop';
import { MergeThread } from '../src/inbox/merge-thread';
import { notification, startTestApp } from './helpers';

/** The test seam the mutation run uses: an app on a SQLite file merging on its own thread, or in process. */
describe.each([
  ['on the merge thread', undefined, MergeThread],
  ['in process', '1', MergeLoop],
])('an app on a SQLite file merging %s', (_, inProcess, merger) => {
  const saved = process.env.VIGIL_TEST_MERGE_IN_PROCESS;
  beforeAll(() => {
    if (inProcess === undefined) delete process.env.VIGIL_TEST_MERGE_IN_PROCESS;
    else process.env.VIGIL_TEST_MERGE_IN_PROCESS = inProcess;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.VIGIL_TEST_MERGE_IN_PROCESS;
    else process.env.VIGIL_TEST_MERGE_IN_PROCESS = saved;
  });

  it('turns a delivery into an incident', async () => {
    const t = await startTestApp();
    try {
      expect((t.inbox as unknown as { merger: unknown }).merger).toBeInstanceOf(merger);
      await request(t.app)
        .post('/api/v1/alertmanager')
        .send(notification([{ fingerprint: 'a' }]))
        .expect(200);
      await t.inbox.drained();
      const incidents = await t.db.selectFrom('incidents').select(['status', 'title']).execute();
      expect(incidents).toEqual([{ status: 'triggered', title: 'HighErrorRate on api' }]);
    } finally {
      await t.close();
    }
  });
});
