import { z } from 'zod';
import { positiveDuration } from '@vigil/service-kit';

const name = z.string().min(1);
const names = z.array(name).min(1);

/**
 * The step kinds, after Grafana OnCall's escalation policies: each step does one thing, and the escalator
 * runs them through a handler per kind (steps.ts). Steps without a wait between them run at the same moment.
 */
const stepKinds = [
  z.strictObject({ kind: z.literal('notify_users'), users: names }),
  // Whoever is on call in each schedule at the moment the step runs, overrides included.
  z.strictObject({ kind: z.literal('notify_schedule'), schedules: names }),
  z.strictObject({ kind: z.literal('notify_channels'), channels: names }),
  z.strictObject({ kind: z.literal('wait'), duration: positiveDuration }),
  // Goes back to step `from_step` (1-based, an earlier step as written: a shorthand step counts as one)
  // `times` times, then carries on past this step. Expanded, from_step names the expanded step instead.
  z.strictObject({
    kind: z.literal('repeat'),
    from_step: z.number().int().min(1).default(1),
    times: z.number().int().min(1).max(10),
  }),
  // Resolves the incident (as `escalation`), for incidents nobody needs to keep open once paged enough.
  z.strictObject({ kind: z.literal('resolve') }),
] as const;

export const STEP_KIND_NAMES = stepKinds.map((s) => s.shape.kind.value);

const stepSchema = z.discriminatedUnion('kind', stepKinds, {
  error: (issue) =>
    issue.code === 'invalid_union' ? `kind must be one of ${STEP_KIND_NAMES.join(', ')}` : undefined,
});

/**
 * The form before step kinds, still accepted as a shorthand: whom to notify, then how long to wait
 * (default 15m) before the next step; it expands to notify_schedule, notify_users and notify_channels
 * steps (those it names, in that order) and a wait.
 */
const shorthandStepSchema = z.strictObject({
  notify: z
    .strictObject({
      channels: z.array(name).default([]),
      users: z.array(name).default([]),
      schedules: z.array(name).default([]),
    })
    .refine((t) => t.channels.length + t.users.length + t.schedules.length > 0, 'a step must notify someone'),
  escalate_after: positiveDuration.default(15 * 60_000),
});
type ShorthandStep = z.output<typeof shorthandStepSchema>;
type Step = z.output<typeof stepSchema>;
/** A step as the file has it: of a kind, or the shorthand. */
type WrittenStep = Step | ShorthandStep;

/** A step of either form: one with `kind`, or the shorthand (told apart by `notify`, so each gets its own errors). */
const anyStepSchema = z.union([stepSchema, shorthandStepSchema], {
  error: (issue) => {
    if (issue.code !== 'invalid_union') return undefined;
    const input = issue.input as Record<string, unknown> | undefined;
    const shorthand = typeof input === 'object' && input !== null && !('kind' in input) && 'notify' in input;
    const branch = (issue.errors[shorthand ? 1 : 0] ?? []) as { path: PropertyKey[]; message: string }[];
    return branch
      .map((e) => (e.path.length > 0 ? `${e.path.join('.')}: ${e.message}` : e.message))
      .join('; ');
  },
});

function expandShorthand(step: WrittenStep): Step[] {
  if (!('notify' in step)) return [step];
  const { schedules, users, channels } = step.notify;
  return [
    ...(schedules.length > 0 ? [{ kind: 'notify_schedule' as const, schedules }] : []),
    ...(users.length > 0 ? [{ kind: 'notify_users' as const, users }] : []),
    ...(channels.length > 0 ? [{ kind: 'notify_channels' as const, channels }] : []),
    { kind: 'wait' as const, duration: step.escalate_after },
  ];
}

/** Each written step's expanded steps, and the index (0-based) among all expanded steps where each begins. */
function expandAll(steps: WrittenStep[]): { expanded: Step[][]; starts: number[] } {
  const expanded = steps.map(expandShorthand);
  const starts: number[] = [];
  let at = 0;
  for (const part of expanded) {
    starts.push(at);
    at += part.length;
  }
  return { expanded, starts };
}

interface WrittenPolicy {
  steps: WrittenStep[];
  repeat?: number | undefined;
}

/**
 * Checks a policy as written, so that problems name the step (and its place in the file) that the author
 * wrote: a shorthand step is one step here, however many it expands to.
 */
function checkWritten({ steps, repeat }: WrittenPolicy, ctx: z.RefinementCtx): void {
  const { expanded } = expandAll(steps);
  // The policy's `repeat` is a last repeat step the file does not show, so its problems name that key.
  const repeats = [
    ...steps.flatMap((s, i) =>
      'kind' in s && s.kind === 'repeat'
        ? [{ at: i, from: s.from_step, path: ['steps', i], fromPath: ['steps', i, 'from_step'] }]
        : [],
    ),
    ...(repeat === undefined ? [] : [{ at: steps.length, from: 1, path: ['repeat'], fromPath: ['repeat'] }]),
  ];
  const problem = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  if (repeats[1]) problem(repeats[1].path, 'a policy has at most one repeat step');
  const first = repeats[0];
  if (first) {
    const repeated = expanded.slice(first.from - 1, first.at).flat();
    if (first.from > first.at) problem(first.fromPath, `must name an earlier step (1 to ${first.at})`);
    // Without a wait, every round would page again in the same instant.
    else if (!repeated.some((s) => s.kind === 'wait'))
      problem(first.fromPath, 'the repeated steps need a wait step among them');
  }
  if (!expanded.flat().some((s) => s.kind.startsWith('notify_')))
    problem(['steps'], 'a policy must notify someone');
}

/**
 * A step the escalator runs. `written`: the 1-based step the author wrote, which the timeline names; set
 * where that differs from the step's own place, in a policy with shorthand steps.
 */
type RunStep = Step & { written?: number };

/** Where each expanded step's names are written: within its shorthand step's `notify` for one of those. */
const writtenAt = new WeakMap<RunStep, PropertyKey[]>();

/**
 * The key path, within its policy, of the step the author wrote that a step of a parsed policy came from
 * (any but the policy's `repeat`), for a problem with a name it lists to point at that line (config.ts).
 */
export const writtenPath = (step: EscalationStep): PropertyKey[] => writtenAt.get(step) as PropertyKey[];

/**
 * The steps the escalator runs (steps.ts indexes them): the shorthand expanded, each from_step moved to
 * the expanded step its written step begins with, and the policy's `repeat` as a last step.
 */
function expandSteps({ steps, repeat }: WrittenPolicy): RunStep[] {
  const { expanded, starts } = expandAll(steps);
  const shorthand = steps.some((s) => 'notify' in s);
  return [
    ...expanded.flatMap((part, j) => {
      const at = 'notify' in (steps[j] as WrittenStep) ? ['steps', j, 'notify'] : ['steps', j];
      return part.map((s) => {
        const step: RunStep = {
          ...s,
          ...(s.kind === 'repeat' && { from_step: (starts[s.from_step - 1] as number) + 1 }),
          ...(shorthand && { written: j + 1 }),
        };
        writtenAt.set(step, at);
        return step;
      });
    }),
    ...(repeat === undefined ? [] : [{ kind: 'repeat' as const, from_step: 1, times: repeat }]),
  ];
}

export const policySchema = z
  .strictObject({
    name,
    steps: z.array(anyStepSchema).min(1),
    /** An acknowledged incident still unresolved after this long is triggered again and escalates anew. */
    ack_timeout: positiveDuration.optional(),
    /** The shorthand's rounds: as a last step `{kind: repeat, from_step: 1, times: N}`. */
    repeat: z.number().int().min(1).max(10).optional(),
  })
  // Checked as written, before expanding, and only once the steps themselves were read: a step refused
  // already says enough. (zod runs the transform only on a policy that passed.)
  .superRefine(checkWritten, { when: (payload) => payload.issues.length === 0 })
  .transform(({ steps, repeat, ...policy }) => ({ ...policy, steps: expandSteps({ steps, repeat }) }));

export const userSchema = z.strictObject({ name, channels: z.array(name).min(1) });

export type EscalationPolicy = z.output<typeof policySchema>;
export type EscalationStep = EscalationPolicy['steps'][number];
export type StepKind = EscalationStep['kind'];
export type StepOf<K extends StepKind> = Extract<EscalationStep, { kind: K }>;
export type User = z.output<typeof userSchema>;
