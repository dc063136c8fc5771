import type { Transaction } from 'kysely';
import type { DatabaseSchema } from '../db/schema';
import { enqueue } from '../dispatch/outbox';
import { react } from '../incidents/reactions';
import { nextStep, plus, type EscalationPosition } from './plan';
import type { EscalationPolicy, EscalationStep, StepKind, StepOf } from './policy';
import { stepTargets, type Directory, type Targets } from './targets';

export const ACTOR = 'escalation';

/** What a step handler works with: the escalator's transaction, the incident and its policy snapshot. */
export interface StepContext {
  tx: Transaction<DatabaseSchema>;
  incidentId: number;
  policy: EscalationPolicy;
  directory: Directory;
  /** When the tick runs (ISO-8601); the step itself was due at `at.nextAt`, possibly earlier. */
  now: string;
  /** Adds to the incident's timeline; `told`: the channels this step paged (they hear of it already). */
  timeline: (kind: string, message: string, told?: readonly string[]) => Promise<void>;
}

export interface StepResult {
  next: EscalationPosition;
  /** Whether the step did something people see (counted in vigil_escalation_steps_total). */
  fired: boolean;
}

type Handler<K extends StepKind> = (
  ctx: StepContext,
  step: StepOf<K>,
  at: EscalationPosition,
) => Promise<StepResult>;

/** The dispatch table: one handler per step kind (the kinds are in policy.ts). */
export const STEP_HANDLERS: { [K in StepKind]: Handler<K> } = {
  notify_users: (ctx, step, at) => notify(ctx, step, { users: step.users }, at),
  notify_schedule: (ctx, step, at) => notify(ctx, step, { schedules: step.schedules }, at),
  notify_channels: (ctx, step, at) => notify(ctx, step, { channels: step.channels }, at),
  // Times count from when the step was due, not from when it ran: steps missed while the receiver was down
  // run one after another on restart, none skipped.
  wait: async (ctx, step, at) => ({
    next: { ...nextStep(ctx.policy, at), nextAt: plus(at.nextAt, step.duration) },
    fired: false,
  }),
  repeat: async (ctx, step, at) => ({
    next:
      at.cycle < step.times
        ? { ...at, cycle: at.cycle + 1, step: step.from_step - 1 }
        : nextStep(ctx.policy, at),
    fired: false,
  }),
  resolve: async (ctx, step, at) => {
    const updated = await ctx.tx
      .updateTable('incidents')
      .set({ status: 'resolved', resolved_at: ctx.now, resolved_by: ACTOR, updated_at: ctx.now })
      .where('id', '=', ctx.incidentId)
      .where('status', '<>', 'resolved')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) {
      await ctx.timeline('resolved', `${stepName(ctx.policy, step, at)}: resolved`);
      await react(ctx.tx, ctx.incidentId, 'resolved', { now: ctx.now, policies: new Map() });
    }
    return { next: { ...at, phase: 'done' }, fired: true };
  },
};

export function runStep(ctx: StepContext, at: EscalationPosition): Promise<StepResult> {
  const step = ctx.policy.steps[at.step] as StepOf<StepKind>;
  return (STEP_HANDLERS[step.kind] as Handler<StepKind>)(ctx, step, at);
}

/** The step as the author wrote it: a shorthand step's pages all name that step. */
function stepName(policy: EscalationPolicy, step: EscalationStep, at: EscalationPosition): string {
  const written = step.written ?? at.step + 1;
  return `step ${written} of ${policy.name}${at.cycle > 0 ? `, round ${at.cycle + 1}` : ''}`;
}

async function notify(
  ctx: StepContext,
  step: EscalationStep,
  targets: Targets,
  at: EscalationPosition,
): Promise<StepResult> {
  // Whoever is on call now, as GET /api/v1/oncall shows, though the step was due earlier (a receiver down
  // over a handoff); what it queues commits with the step's advance, so a crash before cannot page twice.
  const { entries, unreached } = stepTargets(targets, ctx.directory, new Date(ctx.now));
  // The due time tells runs of the policy apart: one started again (reopened, ack timeout, noise control)
  // pages afresh, while the same step retried after a crash keeps its key and is not queued twice.
  const key = `${ctx.incidentId}:${at.cycle}:${at.step}:${at.nextAt}`;
  await enqueue(
    ctx.tx,
    ctx.incidentId,
    'escalation',
    entries.map((x) => ({ ...x, dedupeKey: `${key}:${x.channel}:${x.recipient ?? ''}` })),
    ctx.now,
  );
  const reached = entries.map((x) => (x.recipient ? `${x.recipient} (${x.channel})` : x.channel));
  const message = [
    stepName(ctx.policy, step, at),
    reached.length > 0 ? `notified ${reached.join(', ')}` : 'notified nobody',
    ...unreached,
  ].join('; ');
  await ctx.timeline(
    'escalated',
    message,
    entries.map((x) => x.channel),
  );
  return { next: nextStep(ctx.policy, at), fired: true };
}
