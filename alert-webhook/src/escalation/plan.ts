import type { EscalationPolicy } from './policy';

export type EscalationPhase = 'active' | 'ack_wait' | 'done' | 'stopped';

/** Where an incident is in its policy; stored, so that a restart resumes exactly there. */
export interface EscalationPosition {
  /** Rounds the policy's repeat step has sent back so far. */
  cycle: number;
  step: number;
  /** When the step at `step` is due (active) or the ack timeout ends (ack_wait); ISO-8601. */
  nextAt: string;
  phase: EscalationPhase;
}

export const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

export function startPosition(now: string): EscalationPosition {
  return { cycle: 0, step: 0, nextAt: now, phase: 'active' };
}

/** The step after `at`, due at the same moment; past the last step the policy is done. */
export function nextStep(policy: EscalationPolicy, at: EscalationPosition): EscalationPosition {
  if (at.step + 1 < policy.steps.length) return { ...at, step: at.step + 1 };
  return { ...at, phase: 'done' };
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
