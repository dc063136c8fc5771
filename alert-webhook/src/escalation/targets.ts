import { whoIsOnCall, type Schedule } from '../oncall/schedule';
import type { OutboxEntry } from '../dispatch/outbox';
import type { User } from './policy';

export interface Directory {
  users: ReadonlyMap<string, User>;
  schedules: ReadonlyMap<string, Schedule>;
  /** Channels that keep a thread per incident (the Slack app): escalation steps are replied there. */
  threads?: ReadonlySet<string>;
}

/** What a notify step names: channels directly, users (through their channels), or schedules' on-call. */
export interface Targets {
  channels?: readonly string[];
  users?: readonly string[];
  schedules?: readonly string[];
}

/**
 * The channels a notify step reaches at `at`: its channels, its users' channels, and the channels of whoever
 * is on call in its schedules then. `unreached` names what reached nobody (no one on call, unknown user).
 */
export function stepTargets(
  targets: Targets,
  directory: Directory,
  at: Date,
): { entries: OutboxEntry[]; unreached: string[] } {
  const entries: OutboxEntry[] = (targets.channels ?? []).map((channel) => ({ channel }));
  const unreached: string[] = [];
  const reachUser = (name: string, via: string) => {
    const user = directory.users.get(name);
    if (!user) return unreached.push(`${via}: unknown user ${name}`);
    for (const channel of user.channels) entries.push({ channel, recipient: name });
  };
  for (const name of targets.users ?? []) reachUser(name, 'user');
  for (const name of targets.schedules ?? []) {
    const schedule = directory.schedules.get(name);
    const onCall = schedule && whoIsOnCall(schedule, at);
    if (onCall) reachUser(onCall.user, `schedule ${name}`);
    else unreached.push(`schedule ${name}: nobody on call`);
  }
  return { entries, unreached };
}
