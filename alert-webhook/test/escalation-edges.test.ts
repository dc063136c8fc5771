import { parseConfig, ConfigError } from '../src/config';
import { Escalator } from '../src/escalation/escalator';
import { fromLegacy, isLegacyPolicy } from '../src/escalation/legacy';
import type { Directory } from '../src/escalation/targets';
import { withOneIncident } from './helpers';
import {
  act,
  env,
  escalated,
  escalationHarness,
  escalationRow,
  MIN,
  page,
  wait,
  type App,
} from './support/escalation';

// What the escalator does at the edges: a replica that does not lead, an incident changed under a step,
// thread channels, people nobody can reach, and policies configured wrong.

const { config, withApp, open, tick } = escalationHarness();

/** The queued notifications of an incident, `event channel recipient`, in the order queued. */
const queued = async (t: App, id: number) =>
  (
    await t.db
      .selectFrom('notifications')
      .select(['event', 'channel', 'recipient'])
      .where('incident_id', '=', id)
      .orderBy('id')
      .execute()
  ).map((n) => [n.event, n.channel, n.recipient].filter((x) => x !== null).join(' '));

/** An app whose dispatcher sends nothing more after the incident's first notifications: queues stay as written. */
async function quietly(t: App) {
  await t.dispatcher.idle();
  t.dispatcher.stop();
}

const routedTo = (channels: string[], policy: Record<string, unknown>) => {
  const doc = config(policy);
  (doc.routing as { channels: string[] }).channels = channels;
  return doc;
};

const incident = (t: App, id: number) =>
  t.db
    .selectFrom('incidents')
    .select(['status', 'resolved_by', 'acknowledged_by'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();

describe('the escalator', () => {
  it('does nothing on a replica that does not hold the lease, and reports only steps that fired', async () => {
    await withApp(config({ steps: [wait('5m'), page('alice')] }), async (t) => {
      const { id, start } = await open(t);
      await quietly(t);
      const directory: Directory = { users: new Map(), schedules: new Map() };
      const follower = new Escalator(
        t.db,
        directory,
        () => undefined,
        async () => false,
      );
      expect(await follower.tick(new Date(start + 10 * MIN))).toBe(0);
      expect(await escalationRow(t, id)).toMatchObject({ phase: 'active', step: 0 });

      const fired: number[] = [];
      const users = new Map([['alice', { name: 'alice', channels: ['alice-pager'] }]]);
      const leader = new Escalator(t.db, { ...directory, users }, (n) => fired.push(n));
      expect(await leader.tick(new Date(start))).toBe(0); // the wait: nothing anyone sees
      expect(await leader.tick(new Date(start + 5 * MIN))).toBe(1);
      expect(fired).toEqual([1]);
      expect(await queued(t, id)).toEqual(['escalation alice-pager alice']);
    });
  });

  it('stops an acknowledgement wait whose incident is no longer acknowledged, triggering nothing', async () => {
    await withApp(
      config({ steps: [page('alice'), wait('5m'), page('bob')], ack_timeout: '30m' }),
      async (t) => {
        const { id, start } = await open(t);
        await tick(t, start);
        await act(t, id, 'acknowledge');
        const lapse = Date.parse((await escalationRow(t, id)).next_at);
        // Resolved by a path that did not stop the escalation (another replica's write, an older version).
        await t.db
          .updateTable('incidents')
          .set({ status: 'resolved', resolved_by: 'bob' })
          .where('id', '=', id)
          .execute();
        expect(await tick(t, lapse)).toBe(0);
        expect((await escalationRow(t, id)).phase).toBe('stopped');
        expect(await incident(t, id)).toMatchObject({ status: 'resolved', resolved_by: 'bob' });
        expect(await escalated(t, id)).toEqual(['escalated: step 1 of policy; notified alice (alice-pager)']);
      },
    );
  });

  it("tells a thread channel of each step it was not paged by, and of a step's resolve only as the resolve", async () => {
    const policy = {
      steps: [page('alice'), { kind: 'notify_channels', channels: ['ops'] }, wait('5m'), { kind: 'resolve' }],
    };
    await withApp(routedTo(['ops'], policy), async (t) => {
      const { id, start } = await open(t);
      await quietly(t);
      const directory: Directory = {
        users: new Map([['alice', { name: 'alice', channels: ['alice-pager'] }]]),
        schedules: new Map(),
        threads: new Set(['ops']),
      };
      const escalator = new Escalator(t.db, directory, () => undefined);
      expect(await escalator.tick(new Date(start))).toBe(2);
      expect(await queued(t, id)).toEqual([
        'triggered ops',
        'escalation alice-pager alice',
        'timeline ops', // alice's page, in the incident's thread
        'escalation ops', // ops was paged by step 2 itself: no thread reply besides
      ]);
      expect(await escalator.tick(new Date(start + 5 * MIN))).toBe(1);
      expect((await queued(t, id)).slice(4)).toEqual(['resolved ops']);
    });
  });

  it('resolves nothing again when the incident was resolved under the step, and is done', async () => {
    await withApp(
      routedTo(['ops'], { steps: [page('alice'), wait('5m'), { kind: 'resolve' }] }),
      async (t) => {
        const { id, start } = await open(t);
        await tick(t, start);
        await quietly(t);
        const before = await queued(t, id);
        await t.db
          .updateTable('incidents')
          .set({ status: 'resolved', resolved_by: 'bob' })
          .where('id', '=', id)
          .execute();
        expect(await t.escalator.tick(new Date(start + 5 * MIN))).toBe(1);
        expect(await incident(t, id)).toMatchObject({ status: 'resolved', resolved_by: 'bob' });
        expect(await queued(t, id)).toEqual(before);
        expect(await escalated(t, id)).toEqual(['escalated: step 1 of policy; notified alice (alice-pager)']);
        expect(await escalationRow(t, id)).toMatchObject({ phase: 'done', step: 2 });
        expect(await t.escalator.tick(new Date(start + 60 * MIN))).toBe(0);
      },
    );
  });

  it('pages each of two users on a channel they share', async () => {
    await withApp(config({ steps: [page('alice', 'bob')] }), async (t) => {
      const { id, start } = await open(t);
      await quietly(t);
      const shared = { channels: ['team-pager'] };
      const users = new Map([
        ['alice', { name: 'alice', ...shared }],
        ['bob', { name: 'bob', ...shared }],
      ]);
      await new Escalator(t.db, { users, schedules: new Map() }, () => undefined).tick(new Date(start));
      expect(await queued(t, id)).toEqual(['escalation team-pager alice', 'escalation team-pager bob']);
      expect(await escalated(t, id)).toEqual([
        'escalated: step 1 of policy; notified alice (team-pager), bob (team-pager)',
      ]);
    });
  });

  it('names whom a step could not reach: an unknown user, a schedule with nobody on call or an unknown one', async () => {
    const doc = config({ steps: [page('alice'), { kind: 'notify_schedule', schedules: ['primary'] }] });
    const { schedules } = parseConfig(doc, env).oncall;
    await withApp(doc, async (t) => {
      const noOne = await open(t);
      await quietly(t);
      const empty = new Escalator(t.db, { users: new Map(), schedules: new Map() }, () => undefined);
      expect(await empty.tick(new Date(noOne.start))).toBe(2);
      expect(await escalated(t, noOne.id)).toEqual([
        'escalated: step 1 of policy; notified nobody; user: unknown user alice',
        'escalated: step 2 of policy; notified nobody; schedule primary: nobody on call',
      ]);
      expect(await queued(t, noOne.id)).toEqual([]);
    });
    await withApp(doc, async (t) => {
      const { id, start } = await open(t);
      await quietly(t);
      const byName = new Map(schedules.map((s) => [s.name, s]));
      await new Escalator(t.db, { users: new Map(), schedules: byName }, () => undefined).tick(
        new Date(start),
      );
      // Dave's override is in force: the schedule has someone on call, whom the directory does not know.
      expect((await escalated(t, id))[1]).toBe(
        'escalated: step 2 of policy; notified nobody; schedule primary: unknown user dave',
      );
    });
  });
});

describe('acknowledging', () => {
  it('stops a policy without an ack timeout; with one, a finished policy pages again from the start', async () => {
    await withApp(config({ steps: [page('alice'), wait('5m'), page('bob')] }), async (t) => {
      const { id, start } = await open(t);
      await tick(t, start);
      await act(t, id, 'acknowledge');
      expect((await escalationRow(t, id)).phase).toBe('stopped');
    });
    await withApp(config({ steps: [page('alice')], ack_timeout: '30m' }), async (t) => {
      const { id, start } = await open(t);
      await tick(t, start);
      expect((await escalationRow(t, id)).phase).toBe('done');
      await act(t, id, 'acknowledge');
      // Every step ran before the acknowledgement, and still: acknowledged and unresolved 30 minutes on,
      // the incident is triggered again and the policy starts over (as PagerDuty's ack timeout).
      expect((await escalationRow(t, id)).phase).toBe('ack_wait');
      expect(await tick(t, start + 29 * MIN)).toBe(0);
      expect(await tick(t, start + 31 * MIN)).toBe(1);
      expect(await incident(t, id)).toMatchObject({ status: 'triggered', acknowledged_by: null });
      // What the SLA report and MTTA read: the acknowledgement made, though no longer in force.
      const { first_acknowledged_at: first } = await t.db
        .selectFrom('incidents')
        .select('first_acknowledged_at')
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(first).toEqual(expect.any(String));
      await act(t, id, 'acknowledge');
      expect(await t.db.selectFrom('incidents').select('first_acknowledged_at').executeTakeFirst()).toEqual({
        first_acknowledged_at: first,
      });
      expect((await escalated(t, id)).at(-1)).toBe(
        'escalated: step 1 of policy; notified alice (alice-pager)',
      );
    });
  });

  it('stops an acknowledgement wait when the incident is resolved', async () => {
    await withApp(config({ steps: [page('alice')], ack_timeout: '30m' }), async (t) => {
      const { id, start } = await open(t);
      await act(t, id, 'acknowledge');
      expect((await escalationRow(t, id)).phase).toBe('ack_wait');
      await act(t, id, 'resolve');
      expect((await escalationRow(t, id)).phase).toBe('stopped');
      expect(await tick(t, start + 60 * MIN)).toBe(0);
    });
  });

  it('acknowledges an incident whose route does not escalate', async () => {
    const doc = config({ steps: [page('alice')] });
    (doc.routing as { escalation?: string }).escalation = undefined;
    await withOneIncident(doc, env, async (t, id) => {
      await act(t, id, 'acknowledge');
      expect(await incident(t, id)).toMatchObject({ status: 'acknowledged', acknowledged_by: 'responder' });
    });
  });
});

describe('escalation policies configured wrong', () => {
  const stepProblems = (steps: unknown[]) => {
    try {
      parseConfig(config({ steps }), env);
      return [];
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return err.problems.map((p) => `${p.path.slice(2).join('.')}: ${p.message}`);
    }
  };

  it('says what a step that is not an object is', () => {
    expect(stepProblems(['page alice'])).toEqual([
      'steps.0: Invalid input: expected object, received string',
    ]);
    expect(stepProblems([null])).toEqual(['steps.0: Invalid input: expected object, received null']);
  });

  it('answers a step by the form it has: kinds without notify, the shorthand with it', () => {
    const kinds = 'kind must be one of notify_users, notify_schedule, notify_channels, wait, repeat, resolve';
    expect(stepProblems([{}])).toEqual([`steps.0: kind: ${kinds}`]);
    expect(stepProblems([{ notify: 'alice' }])).toEqual([
      'steps.0: notify: Invalid input: expected object, received string',
    ]);
    expect(stepProblems([{ notify: { users: [] }, escalate_after: 'soon' }])).toEqual([
      'steps.0: notify: a step must notify someone; escalate_after: invalid duration "soon" (expected e.g. 500ms, 30s, 5m, 1h30m)',
    ]);
    expect(stepProblems([{ kind: 'wait', duration: '1m', notify: { users: ['alice'] } }])).toEqual([
      'steps.0: Unrecognized key: "notify"',
    ]);
  });

  it('checks only the first repeat step once it has said there is a second', () => {
    const repeat = (from: number) => ({ kind: 'repeat', from_step: from, times: 1 });
    expect(stepProblems([page('alice'), wait('1m'), repeat(1), page('bob'), repeat(4)])).toEqual([
      'steps.4: a policy has at most one repeat step',
    ]);
  });

  it('takes several users in a step and several channels for a user', () => {
    const doc = config({
      steps: [page('alice', 'bob'), { kind: 'notify_channels', channels: ['ops', 'alice-pager'] }],
    });
    doc.users = [
      { name: 'alice', channels: ['alice-pager', 'ops'] },
      { name: 'bob', channels: ['bob-pager'] },
      // The schedule's others, who must be users too.
      ...(doc.users as { name: string; channels: string[] }[]).filter(
        (u) => u.name !== 'alice' && u.name !== 'bob',
      ),
    ];
    const parsed = parseConfig(doc, env);
    expect(parsed.escalation_policies[0]?.steps[0]).toEqual({
      kind: 'notify_users',
      users: ['alice', 'bob'],
    });
    expect(parsed.users[0]?.channels).toEqual(['alice-pager', 'ops']);
  });
});

describe('policies stored before step kinds', () => {
  it('are told apart by a step with notify', () => {
    for (const policy of [null, undefined, 'p', {}, { steps: 'notify' }, { steps: [] }])
      expect(isLegacyPolicy(policy)).toBe(false);
    expect(isLegacyPolicy({ steps: [null, 'notify', { kind: 'wait', duration: 1 }] })).toBe(false);
    expect(isLegacyPolicy({ steps: [{ kind: 'wait', duration: 1 }, { notify: {} }] })).toBe(true);
  });

  it('become steps of the targets each named, without a repeat or ack timeout they did not have', () => {
    const converted = fromLegacy({
      name: 'old',
      steps: [{ notify: { channels: ['ops'] }, escalate_after: 60_000 }],
      repeat: 0,
    });
    expect(converted).toStrictEqual({
      policy: {
        name: 'old',
        steps: [
          { kind: 'notify_channels', channels: ['ops'], written: 1 },
          { kind: 'wait', duration: 60_000, written: 1 },
        ],
      },
      starts: [0],
    });
    expect(
      fromLegacy({ name: 'old', steps: [{ notify: { users: ['alice'] }, escalate_after: 1 }] }).policy.steps,
    ).toEqual([
      { ...page('alice'), written: 1 },
      { kind: 'wait', duration: 1, written: 1 },
    ]);
  });
});
