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
    const byLane = new Map<MergeLoop, Stored[]>();
    for (const item of items) {
      // A stored payload that no longer parses goes to the first lane, which marks it failed.
      const group = item.group ?? item.payload ?? parseStored(item.raw);
      const key = group ? groupLockKey(group.receiver, group.groupKey) : 0n;
      const lane = this.lanes[Number(BigInt.asUintN(64, key) % BigInt(this.lanes.length))] as MergeLoop;
      const list = byLane.get(lane) ?? [];
      list.push(item);
      byLane.set(lane, list);
    }
    for (const [lane, list] of byLane) lane.enqueue(list);
  }

  async stop(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.stop()));
  }
}
