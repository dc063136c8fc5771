import type { Db } from '../db/database';
import { groupLockKey } from '../db/merge-locks';
import type { MergeOptions } from '../incidents/ingest';
import { MergeLoop, parseStored, type MergeEvents, type Stored } from './merge-loop';

/**
 * Merging on PostgreSQL, several batches at once: each delivery goes to the lane of its Alertmanager
 * group (by the group's lock key), so one group's deliveries still merge in arrival order while other
 * groups' merge beside them on other connections. A merge spends most of its time waiting for the
 * server's answers, so lanes overlap those waits; groups' advisory locks keep replicas apart.
 */
export class MergeLanes {
  private readonly lanes: MergeLoop[];

  constructor(
    db: Db,
    options: MergeOptions,
    events: MergeEvents,
    count: number,
    beforeBatch?: (batch: Stored[]) => Promise<void>,
  ) {
    this.lanes = Array.from(
      { length: Math.max(1, count) },
      () => new MergeLoop(db, options, events, beforeBatch),
    );
  }

  configure(options: MergeOptions): void {
    for (const lane of this.lanes) lane.configure(options);
  }

  enqueue(items: Stored[]): void {
    const count = BigInt(this.lanes.length);
    for (const [n, list] of dealByGroup(items, (key) => Number(key % count))) this.lanes[n]?.enqueue(list);
  }

  async stop(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.stop()));
  }
}

/**
 * Deals stored deliveries out by their group's lock key (unsigned), which `pick` turns into an index: a
 * group always gets the same one, and each list keeps the deliveries' order. A stored payload that no
 * longer parses gets key 0 (the first lane, or thread), where merging marks it failed.
 */
export function dealByGroup(items: Stored[], pick: (key: bigint) => number): Map<number, Stored[]> {
  const dealt = new Map<number, Stored[]>();
  for (const item of items) {
    const group = item.group ?? item.payload ?? parseStored(item.raw);
    const n = pick(group ? BigInt.asUintN(64, groupLockKey(group.receiver, group.groupKey)) : 0n);
    const list = dealt.get(n) ?? [];
    list.push(item);
    dealt.set(n, list);
  }
  return dealt;
}
