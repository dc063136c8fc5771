import { whoIsOnCall, type Schedule } from '../oncall/schedule';
import type { OutboxEntry } from '../dispatch/outbox';
import type { EscalationStep, User } from './policy';

export interface Directory {
  users: ReadonlyMap<string, User>;
  schedules: ReadonlyMap<string, Schedule>;
}

/**
 * The channels one step reaches at `at`: its channels, its users' channels, and the channels of whoever is
 * on call in its schedules then. `unreached` names what reached nobody (no one on call, unknown user).
 */
export function stepTargets(
  step: EscalationStep,
  directory: Directory,
  at: Date,
): { entries: OutboxEntry[]; unreached: string[] } {
  const entries: OutboxEntry[] = step.notify.channels.map((channel) => ({ channel }));
  const unreached: string[] = [];
  const reachUser = (name: string, via: string) => {
    const user = directory.users.get(name);
    if (!user) return unreached.push(`${via}: unknown user ${name}`);
    for (const channel of user.channels) entries.push({ channel, recipient: name });
  };
  for (const name of step.notify.users) reachUser(name, 'user');
  for (const name of step.notify.schedules) {
    const schedule = directory.schedules.get(name);
    const onCall = schedule && whoIsOnCall(schedule, at);
    if (onCall) reachUser(onCall.user, `schedule ${name}`);
    else unreached.push(`schedule ${name}: nobody on call`);
  }
  return { entries, unreached };
}
