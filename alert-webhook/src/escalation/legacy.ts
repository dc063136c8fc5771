import type { EscalationPolicy, EscalationStep } from './policy';

/** A policy snapshot stored before step kinds: steps of targets with a wait after each, rounds at policy level. */
interface LegacyPolicy {
  name: string;
  steps: {
    notify: { channels?: string[]; users?: string[]; schedules?: string[] };
    escalate_after: number;
  }[];
  repeat?: number;
  ack_timeout?: number;
}

export function isLegacyPolicy(policy: unknown): policy is LegacyPolicy {
  const steps = (policy as { steps?: unknown[] } | null)?.steps;
  return Array.isArray(steps) && steps.some((s) => typeof s === 'object' && s !== null && 'notify' in s);
}

/**
 * The same policy in step kinds, and where each old step begins in it, so that an escalation under way
 * resumes at the step it had reached: old step k notified, then waited; the rounds become a last repeat step.
 */
export function fromLegacy(old: LegacyPolicy): { policy: EscalationPolicy; starts: number[] } {
  const steps: EscalationStep[] = [];
  const starts: number[] = [];
  old.steps.forEach((step, k) => {
    starts.push(steps.length);
    const { schedules = [], users = [], channels = [] } = step.notify;
    const written = k + 1;
    if (schedules.length > 0) steps.push({ kind: 'notify_schedule', schedules, written });
    if (users.length > 0) steps.push({ kind: 'notify_users', users, written });
    if (channels.length > 0) steps.push({ kind: 'notify_channels', channels, written });
    steps.push({ kind: 'wait', duration: step.escalate_after, written });
  });
  if ((old.repeat ?? 0) > 0) steps.push({ kind: 'repeat', from_step: 1, times: old.repeat as number });
  const policy: EscalationPolicy = { name: old.name, steps };
  if (old.ack_timeout !== undefined) policy.ack_timeout = old.ack_timeout;
  return { policy, starts };
}
