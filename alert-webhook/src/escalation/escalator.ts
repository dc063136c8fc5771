import { addToTimeline } from '../incidents/reactions';
import type { Db } from '../db/database';
import { startPosition } from './plan';
import { ACTOR, runStep, type StepContext } from './steps';
import { dueEscalations, saveEscalation, type StoredEscalation } from './store';
import type { Directory } from './targets';
import type { Transaction } from 'kysely';
import type { DatabaseSchema } from '../db/schema';

/**
 * Drives escalation policies from their stored state. `tick(now)` does everything due at `now` in one
 * transaction: a restart resumes exactly where the last committed tick left off, and each step's
 * notifications carry a dedupe key so none is queued twice.
 */
export class Escalator {
  constructor(
    private readonly db: Db,
    private readonly directory: Directory,
    private readonly onFired: (steps: number) => void,
    /** Checked inside the tick's transaction: with several replicas, only the lease holder may commit one. */
    private readonly leads: (tx: Transaction<DatabaseSchema>) => Promise<boolean> = async () => true,
  ) {}

  /** Returns how many steps fired (waits and repeats not counted). */
  async tick(now: Date = new Date()): Promise<number> {
    const iso = now.toISOString();
    const fired = await this.db.transaction().execute(async (tx) => {
      if (!(await this.leads(tx))) return 0;
      let count = 0;
      for (const due of await dueEscalations(tx, iso)) count += await this.advance(tx, due, iso);
      return count;
    });
    if (fired > 0) this.onFired(fired);
    return fired;
  }

  private async advance(tx: Transaction<DatabaseSchema>, e: StoredEscalation, now: string): Promise<number> {
    let position = { cycle: e.cycle, step: e.step, nextAt: e.nextAt, phase: e.phase };
    if (position.phase === 'ack_wait') {
      const incident = await tx
        .updateTable('incidents')
        .set({ status: 'triggered', acknowledged_at: null, acknowledged_by: null, updated_at: now })
        .where('id', '=', e.incidentId)
        .where('status', '=', 'acknowledged')
        .executeTakeFirst();
      if (Number(incident.numUpdatedRows) === 0) {
        await saveEscalation(tx, { ...e, phase: 'stopped' }, now);
        return 0;
      }
      await this.timeline(
        tx,
        e.incidentId,
        now,
        'ack_timeout',
        'still unresolved after the acknowledgement timeout',
      );
      position = startPosition(position.nextAt);
    }
    let fired = 0;
    const ctx: StepContext = {
      tx,
      incidentId: e.incidentId,
      policy: e.policy,
      directory: this.directory,
      now,
      timeline: (kind, message, told) => this.timeline(tx, e.incidentId, now, kind, message, told),
    };
    while (position.phase === 'active' && position.nextAt <= now) {
      const result = await runStep(ctx, position);
      position = result.next;
      if (result.fired) fired += 1;
    }
    await saveEscalation(tx, { ...e, ...position }, now);
    return fired;
  }

  private async timeline(
    tx: Transaction<DatabaseSchema>,
    incidentId: number,
    at: string,
    kind: string,
    message: string,
    told: readonly string[] = [],
  ) {
    const entry = { at, kind, actor: ACTOR, message, data: null };
    // A resolve by a step reaches the channels as the resolved event.
    if (kind === 'resolved')
      await tx
        .insertInto('timeline')
        .values({ incident_id: incidentId, ...entry })
        .execute();
    else await addToTimeline(tx, incidentId, entry, this.directory.threads ?? new Set(), told);
  }
}
