import type { EscalationPolicy, EscalationStep } from './policy';

export type EscalationPhase = 'active' | 'ack_wait' | 'done' | 'stopped';

/** Where an incident is in its policy; stored, so that a restart resumes exactly there. */
export interface EscalationPosition {
  cycle: number;
  step: number;
  /** When the step at `step` is due (active) or the ack timeout ends (ack_wait); ISO-8601. */
  nextAt: string;
  phase: EscalationPhase;
}

const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

export function startPosition(now: string): EscalationPosition {
  return { cycle: 0, step: 0, nextAt: now, phase: 'active' };
}

/**
 * Fires the due step and moves on. Times count from when the step was due, not from when it ran, so
 * steps missed while the receiver was down fire one after another on restart, none skipped.
 */
export function fireStep(
  policy: EscalationPolicy,
  at: EscalationPosition,
): { step: EscalationStep; next: EscalationPosition } {
  const step = policy.steps[at.step] as EscalationStep;
  const nextAt = plus(at.nextAt, step.escalate_after);
  if (at.step + 1 < policy.steps.length) return { step, next: { ...at, step: at.step + 1, nextAt } };
  if (at.cycle < policy.repeat)
    return { step, next: { cycle: at.cycle + 1, step: 0, nextAt, phase: 'active' } };
  return { step, next: { ...at, nextAt, phase: 'done' } };
}

/** Acknowledging stops the policy, or, with an ack timeout, waits to see it resolved. */
export function onAcknowledged(
  policy: EscalationPolicy,
  at: EscalationPosition,
  now: string,
): EscalationPosition {
  if (policy.ack_timeout === undefined) return { ...at, phase: 'stopped' };
  return { ...at, phase: 'ack_wait', nextAt: plus(now, policy.ack_timeout) };
}
