import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { configRefusal } from '@vigil/testkit';
import { loadConfig, parseConfig, ConfigError } from '../src/config';
import { migrateToLatest } from '../src/db/migrations';
import { fromLegacy } from '../src/escalation/legacy';
import { STEP_HANDLERS } from '../src/escalation/steps';
import { STEP_KIND_NAMES } from '../src/escalation/policy';
import { tempDir } from './helpers';
import { act, env, escalated, escalationHarness, escalationRow, MIN, page, wait } from './support/escalation';

const { config, withApp, open, tick, paged, statusesSent } = escalationHarness();

describe('escalation steps by kind', () => {
  it('has a handler for every step kind', () => {
    expect(Object.keys(STEP_HANDLERS).sort()).toEqual([...STEP_KIND_NAMES].sort());
  });

  it("pages the schedule's current on-call, the override's user while one is in force", async () => {
    await withApp(
      config({
        steps: [
          { kind: 'notify_schedule', schedules: ['primary'] },
          wait('5m'),
          page('carol'),
          { kind: 'notify_channels', channels: ['ops'] },
        ],
      }),
      async (t) => {
        const { id, start } = await open(t);
        expect(await tick(t, start)).toBe(1);
        expect(paged(id)).toEqual(['dave']);
        expect(await tick(t, start + 5 * MIN - 1)).toBe(0);
        // Steps with no wait between them run together.
        expect(await tick(t, start + 5 * MIN)).toBe(2);
        expect(paged(id)).toEqual(['dave', 'carol', 'ops']);
        expect(await escalated(t, id)).toEqual([
          'escalated: step 1 of policy; notified dave (dave-pager)',
          'escalated: step 3 of policy; notified carol (carol-pager)',
          'escalated: step 4 of policy; notified ops',
        ]);
        expect((await escalationRow(t, id)).phase).toBe('done');
      },
    );
  });

  it('pages whoever is on call when the step runs, not when it was due (a tick late past a handoff)', async () => {
    await withApp(
      config({ steps: [wait('5m'), { kind: 'notify_schedule', schedules: ['primary'] }] }),
      async (t) => {
        const { id, start } = await open(t);
        expect(await tick(t, start)).toBe(0);
        // Due while dave's override was in force; run (the receiver down meanwhile) two hours on, after it.
        const runAt = start + 120 * MIN;
        expect(await tick(t, runAt)).toBe(1);
        const day = Math.floor((runAt - Date.UTC(2026, 0, 1)) / (24 * 60 * MIN));
        expect(paged(id)).toEqual([day % 2 === 0 ? 'alice' : 'bob']);
      },
    );
  });

  it('names a shorthand step in the timeline by its place as written, each of its pages alike', async () => {
    await withApp(
      config({
        steps: [
          { notify: { users: ['alice'], channels: ['ops'] }, escalate_after: '5m' },
          { notify: { users: ['bob'] } },
        ],
      }),
      async (t) => {
        const { id, start } = await open(t);
        expect(await tick(t, start)).toBe(2);
        expect(await tick(t, start + 5 * MIN)).toBe(1);
        expect(paged(id)).toEqual(['alice', 'ops', 'bob']);
        expect(await escalated(t, id)).toEqual([
          'escalated: step 1 of policy; notified alice (alice-pager)',
          'escalated: step 1 of policy; notified ops',
          'escalated: step 2 of policy; notified bob (bob-pager)',
        ]);
      },
    );
  });

  it('repeats from the step named, as many rounds as the bound allows, then carries on', async () => {
    await withApp(
      config({
        steps: [
          page('alice'),
          wait('5m'),
          page('bob'),
          wait('5m'),
          { kind: 'repeat', from_step: 3, times: 2 },
          { kind: 'notify_channels', channels: ['ops'] },
        ],
      }),
      async (t) => {
        const { id, start } = await open(t);
        // An hour late (the receiver was down): every step due meanwhile runs, in order, none skipped or doubled.
        expect(await tick(t, start + 60 * MIN)).toBe(5);
        expect(await tick(t, start + 120 * MIN)).toBe(0);
        expect(paged(id)).toEqual(['alice', 'bob', 'bob', 'bob', 'ops']);
        expect(await escalated(t, id)).toEqual([
          'escalated: step 1 of policy; notified alice (alice-pager)',
          'escalated: step 3 of policy; notified bob (bob-pager)',
          'escalated: step 3 of policy, round 2; notified bob (bob-pager)',
          'escalated: step 3 of policy, round 3; notified bob (bob-pager)',
          'escalated: step 6 of policy, round 3; notified ops',
        ]);
      },
    );
  });

  it('pages each round at its own time: bob at 5, 10 and 15 minutes', async () => {
    await withApp(
      config({
        steps: [wait('5m'), page('bob'), { kind: 'repeat', from_step: 1, times: 2 }],
      }),
      async (t) => {
        const { id, start } = await open(t);
        const fired = [];
        for (let m = 0; m <= 20; m++) fired.push(await tick(t, start + m * MIN));
        expect(fired.flatMap((n, m) => (n > 0 ? [m] : []))).toEqual([5, 10, 15]);
        expect(paged(id)).toEqual(['bob', 'bob', 'bob']);
      },
    );
  });

  it('repeats from a shorthand step as written: all it expands to, from its first page', async () => {
    await withApp(
      config({
        steps: [
          { notify: { users: ['alice'] }, escalate_after: '5m' },
          { notify: { schedules: ['primary'], users: ['bob'], channels: ['ops'] }, escalate_after: '10m' },
          // Step 2 of the file; among the expanded steps the second is alice's wait.
          { kind: 'repeat', from_step: 2, times: 1 },
        ],
      }),
      async (t) => {
        const { id, start } = await open(t);
        const fired = [];
        for (let m = 0; m <= 30; m++) fired.push(await tick(t, start + m * MIN));
        // [minute, steps that paged]: the second round pages as soon as the first round's wait is over.
        expect(fired.flatMap((n, m) => (n > 0 ? [[m, n]] : []))).toEqual([
          [0, 1],
          [5, 3],
          [15, 3],
        ]);
        expect(paged(id)).toEqual(['alice', 'dave', 'bob', 'ops', 'dave', 'bob', 'ops']);
      },
    );
  });

  it('triggers an incident again when its acknowledgement lapses, and pages from the first step', async () => {
    await withApp(
      config({
        steps: [page('alice'), wait('5m'), page('bob')],
        ack_timeout: '30m',
      }),
      async (t) => {
        const { id, start } = await open(t);
        await tick(t, start);
        await act(t, id, 'acknowledge');
        const { next_at } = await escalationRow(t, id);
        const lapse = Date.parse(next_at);
        expect(lapse - Date.now()).toBeGreaterThan(29 * MIN);
        expect(await tick(t, lapse - 1)).toBe(0); // bob's step was due, but the incident is acknowledged
        expect(paged(id)).toEqual(['alice']);

        expect(await tick(t, lapse)).toBe(1);
        const incident = await t.db
          .selectFrom('incidents')
          .select(['status', 'acknowledged_by'])
          .where('id', '=', id)
          .executeTakeFirstOrThrow();
        expect(incident).toEqual({ status: 'triggered', acknowledged_by: null });
        expect(await tick(t, lapse + 5 * MIN)).toBe(1);
        expect(paged(id)).toEqual(['alice', 'alice', 'bob']);
        expect(await escalated(t, id)).toEqual([
          'escalated: step 1 of policy; notified alice (alice-pager)',
          'ack_timeout: still unresolved after the acknowledgement timeout',
          'escalated: step 1 of policy; notified alice (alice-pager)',
          'escalated: step 3 of policy; notified bob (bob-pager)',
        ]);
      },
    );
  });

  it.each(['acknowledge', 'resolve'] as const)(
    'sends no page for an incident people %s while a step is due',
    async (action) => {
      await withApp(
        config({
          steps: [page('alice'), wait('5m'), page('bob')],
        }),
        async (t) => {
          const { id, start } = await open(t);
          await tick(t, start);
          // Bob's step fell due a minute ago, but no tick has run it yet.
          await act(t, id, action);
          expect(await tick(t, start + 6 * MIN)).toBe(0);
          expect(await tick(t, start + 60 * MIN)).toBe(0);
          expect(paged(id)).toEqual(['alice']);
        },
      );
    },
  );

  it('resolves the incident with a resolve step, and the route hears of it', async () => {
    const doc = config({
      steps: [page('alice'), wait('1h'), { kind: 'resolve' }],
    });
    (doc.routing as { channels: string[] }).channels = ['ops'];
    await withApp(doc, async (t) => {
      const { id, start } = await open(t);
      await tick(t, start);
      expect(await tick(t, start + 60 * MIN)).toBe(1);
      const incident = await t.db
        .selectFrom('incidents')
        .select(['status', 'resolved_by'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(incident).toEqual({ status: 'resolved', resolved_by: 'escalation' });
      expect(paged(id)).toEqual(['ops', 'alice', 'ops']);
      expect(statusesSent(id, 'ops')).toEqual(['triggered', 'resolved']);
      expect((await escalated(t, id)).at(-1)).toBe('resolved: step 3 of policy: resolved');
    });
  });
});

describe('escalation policy configuration', () => {
  const problems = (policy: Record<string, unknown>) => {
    try {
      parseConfig(config(policy), env);
      return [];
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      return err.problems.map((p) => `${p.path.join('.')}: ${p.message}`);
    }
  };

  it('expands the shorthand of the form before kinds (notify, escalate_after, repeat) into step kinds', () => {
    const parsed = parseConfig(
      config({
        steps: [
          { notify: { users: ['alice'], schedules: ['primary'] }, escalate_after: '5m' },
          { notify: { channels: ['ops'] } },
          { kind: 'notify_users', users: ['bob'] },
        ],
        repeat: 2,
      }),
      env,
    );
    // Each numbered as written, for the timeline; the policy's repeat is no step the author wrote.
    expect(parsed.escalation_policies[0]?.steps).toEqual([
      { kind: 'notify_schedule', schedules: ['primary'], written: 1 },
      { kind: 'notify_users', users: ['alice'], written: 1 },
      { kind: 'wait', duration: 5 * 60_000, written: 1 },
      { kind: 'notify_channels', channels: ['ops'], written: 2 },
      { kind: 'wait', duration: 15 * 60_000, written: 2 },
      { kind: 'notify_users', users: ['bob'], written: 3 },
      { kind: 'repeat', from_step: 1, times: 2 },
    ]);
  });

  it('names what is wrong in a shorthand step, and still refuses unknown fields', () => {
    expect(problems({ steps: [{ notify: { user: ['alice'] }, escalate_after: '5m' }] })).toContain(
      'escalation_policies.0.steps.0.notify.user: unknown field (did you mean "users"?)',
    );
    expect(problems({ steps: [{ notify: { users: ['alice'] }, escalate: '5m' }] })).toEqual([
      'escalation_policies.0.steps.0.escalate: unknown field',
    ]);
    expect(problems({ steps: [{ notify: {} }] })).toEqual([
      'escalation_policies.0.steps.0.notify: a step must notify someone',
    ]);
    expect(problems({ steps: [{ kind: 'wait', duration: '1m', notify: {} }] })).toEqual([
      'escalation_policies.0.steps.0: Unrecognized key: "notify"',
    ]);
    expect(problems({ steps: [{ notify: { users: ['alice'] } }], repeat: 11 })).toEqual([
      expect.stringMatching(/^escalation_policies\.0\.repeat: /),
    ]);
  });

  it('refuses an unknown kind, naming the kinds', () => {
    expect(problems({ steps: [{ kind: 'page', users: ['alice'] }] })).toEqual([
      expect.stringContaining('kind must be one of notify_users, notify_schedule, notify_channels, wait'),
    ]);
  });

  it('refuses a repeat that goes forward, repeats without a wait, or comes twice', () => {
    const notify = page('alice');
    const pause = wait('1m');
    expect(problems({ steps: [notify, pause, { kind: 'repeat', from_step: 3, times: 1 }] })).toEqual([
      'escalation_policies.0.steps.2.from_step: must name an earlier step (1 to 2)',
    ]);
    expect(problems({ steps: [pause, notify, { kind: 'repeat', from_step: 2, times: 1 }] })).toEqual([
      'escalation_policies.0.steps.2.from_step: the repeated steps need a wait step among them',
    ]);
    const repeat = { kind: 'repeat', times: 1 };
    expect(problems({ steps: [notify, pause, repeat, pause, repeat] })).toEqual([
      'escalation_policies.0.steps.4: a policy has at most one repeat step',
    ]);
    expect(problems({ steps: [notify, pause, { kind: 'repeat', times: 11 }] })).toEqual([
      expect.stringContaining('escalation_policies.0.steps.2.times'),
    ]);
  });

  describe('counts from_step in the steps as written, each shorthand one step', () => {
    const everyone = { notify: { schedules: ['primary'], users: ['alice'], channels: ['ops'] } };
    const repeat = (from: number) => ({ kind: 'repeat', from_step: from, times: 1 });
    const expandedSteps = (steps: unknown[]) =>
      parseConfig(config({ steps }), env).escalation_policies[0]?.steps;

    it('refuses a from_step past the steps before the repeat, naming them as the file has them', () => {
      // One step before the repeat in the file, though the shorthand expands to two.
      expect(problems({ steps: [{ notify: { channels: ['ops'] } }, repeat(2)] })).toEqual([
        'escalation_policies.0.steps.1.from_step: must name an earlier step (1 to 1)',
      ]);
      expect(problems({ steps: [everyone, page('bob'), repeat(5)] })).toEqual([
        'escalation_policies.0.steps.2.from_step: must name an earlier step (1 to 2)',
      ]);
    });

    it('looks for the wait among the written steps repeated', () => {
      // From step 2: only bob's page, though the expanded steps from the second on hold alice's wait.
      expect(problems({ steps: [{ notify: { users: ['alice'] } }, page('bob'), repeat(2)] })).toEqual([
        'escalation_policies.0.steps.2.from_step: the repeated steps need a wait step among them',
      ]);
    });

    it("names the policy's repeat, not a step the file lacks, for the rounds of the shorthand", () => {
      expect(problems({ steps: [page('alice'), wait('1m'), repeat(1)], repeat: 2 })).toEqual([
        'escalation_policies.0.repeat: a policy has at most one repeat step',
      ]);
      expect(problems({ steps: [page('alice')], repeat: 2 })).toEqual([
        'escalation_policies.0.repeat: the repeated steps need a wait step among them',
      ]);
    });

    it('goes back to the first step a shorthand expands to', () => {
      expect(expandedSteps([everyone, repeat(1)])).toEqual([
        { kind: 'notify_schedule', schedules: ['primary'], written: 1 },
        { kind: 'notify_users', users: ['alice'], written: 1 },
        { kind: 'notify_channels', channels: ['ops'], written: 1 },
        { kind: 'wait', duration: 15 * 60_000, written: 1 },
        { kind: 'repeat', from_step: 1, times: 1, written: 2 },
      ]);
      expect(expandedSteps([{ notify: { users: ['bob'] } }, everyone, repeat(2)])?.at(-1)).toEqual({
        kind: 'repeat',
        from_step: 3,
        times: 1,
        written: 3,
      });
      // Without shorthand steps the two counts are the same.
      expect(expandedSteps([page('alice'), wait('1m'), page('bob'), wait('1m'), repeat(3)])?.at(-1)).toEqual({
        kind: 'repeat',
        from_step: 3,
        times: 1,
      });
    });

    it("places the problem at the repeat's from_step in the file", () => {
      const { dir, cleanup } = tempDir();
      try {
        const path = join(dir, 'policy.yml');
        writeFileSync(
          path,
          [
            'escalation_policies:',
            '  - name: page',
            '    steps:',
            '      - notify: { channels: [ops] }',
            '      - { kind: repeat, from_step: 2, times: 1 }',
          ].join('\n'),
        );
        // Line 5, column 36: the 2 after from_step.
        expect(configRefusal(() => loadConfig(path, env))).toBe(
          `${path}:5:36: escalation_policies[0].steps[1].from_step: must name an earlier step (1 to 1)`,
        );
      } finally {
        cleanup();
      }
    });
  });

  it('refuses a policy that notifies nobody, and unknown users, schedules and channels', () => {
    expect(problems({ steps: [wait('1m'), { kind: 'resolve' }] })).toEqual([
      'escalation_policies.0.steps: a policy must notify someone',
    ]);
    expect(
      problems({
        steps: [
          { kind: 'notify_users', users: ['zoe'] },
          { kind: 'notify_schedule', schedules: ['secondary'] },
          { kind: 'notify_channels', channels: ['sms'] },
        ],
      }),
    ).toEqual([
      'escalation_policies.0.steps.0.users.0: no user named "zoe"',
      'escalation_policies.0.steps.1.schedules.0: no schedule named "secondary"',
      'escalation_policies.0.steps.2.channels.0: no notification channel named "sms"',
    ]);
  });

  it('names an unknown user or channel of a shorthand step at the step as written', () => {
    expect(
      problems({
        steps: [
          { notify: { users: ['alice'] } },
          { notify: { users: ['zoe'], channels: ['ops', 'sms'] } },
          { kind: 'notify_channels', channels: ['pager'] },
        ],
      }),
    ).toEqual([
      'escalation_policies.0.steps.1.notify.users.0: no user named "zoe"',
      'escalation_policies.0.steps.1.notify.channels.1: no notification channel named "sms"',
      'escalation_policies.0.steps.2.channels.0: no notification channel named "pager"',
    ]);
  });

  it('refuses on-call participants and override users that are not users: nobody could page them', () => {
    const doc = config({ steps: [page('alice')] }) as { oncall: { schedules: Record<string, unknown>[] } };
    const [primary] = doc.oncall.schedules as [
      { rotations: { participants: string[] }[]; overrides: { user: string }[] },
    ];
    primary.rotations[0]!.participants = ['alice', 'alicee'];
    primary.overrides[0]!.user = 'yuri';
    try {
      parseConfig(doc, env);
      throw new Error('accepted');
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      expect(err.problems.map((p) => `${p.path.join('.')}: ${p.message}`)).toEqual([
        'oncall.schedules.0.rotations.0.participants.1: no user named "alicee"',
        'oncall.schedules.0.overrides.0.user: no user named "yuri"',
      ]);
    }
  });
});

describe('escalations stored before step kinds', () => {
  const legacy = {
    name: 'page-oncall',
    steps: [
      { notify: { users: ['alice'], channels: [], schedules: ['primary'] }, escalate_after: 300_000 },
      { notify: { channels: ['ops'], users: [], schedules: [] }, escalate_after: 600_000 },
    ],
    repeat: 1,
    ack_timeout: 3_600_000,
  };

  it('become the same policy in kinds, each old step starting where its notifications are', () => {
    expect(fromLegacy(legacy)).toEqual({
      policy: {
        name: 'page-oncall',
        steps: [
          { kind: 'notify_schedule', schedules: ['primary'], written: 1 },
          { ...page('alice'), written: 1 },
          { kind: 'wait', duration: 300_000, written: 1 },
          { kind: 'notify_channels', channels: ['ops'], written: 2 },
          { kind: 'wait', duration: 600_000, written: 2 },
          { kind: 'repeat', from_step: 1, times: 1 },
        ],
        ack_timeout: 3_600_000,
      },
      starts: [0, 3],
    });
  });

  it('are rewritten by the migration and resume at the step they had reached', async () => {
    await withApp(config({ steps: [page('alice')] }), async (t) => {
      const { id, start } = await open(t);
      // As the receiver before step kinds left it: about to run its second step, in its second round.
      const due = new Date(start + 5 * MIN).toISOString();
      await t.db
        .updateTable('escalations')
        .set({ policy: JSON.stringify(legacy), step: 1, cycle: 1, next_at: due, phase: 'active' })
        .where('incident_id', '=', id)
        .execute();
      await sql`delete from kysely_migration where name = '0008_heartbeats'`.execute(t.db);
      await sql`drop table heartbeat_sources`.execute(t.db);
      await migrateToLatest(t.db as unknown as Kysely<unknown>);

      expect(await tick(t, start + 5 * MIN)).toBe(1);
      expect(paged(id)).toEqual(['ops']);
      expect(await tick(t, start + 60 * MIN)).toBe(0); // the round was its last
      // Named as the old policy numbered it: its second step (the fourth in kinds).
      expect(await escalated(t, id)).toEqual(['escalated: step 2 of page-oncall, round 2; notified ops']);
    });
  });
});
