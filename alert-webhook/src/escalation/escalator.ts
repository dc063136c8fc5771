import type { Db } from '../db/database';
import { enqueue } from '../dispatch/outbox';
import { fireStep, startPosition } from './plan';
import { dueEscalations, saveEscalation, type StoredEscalation } from './store';
import { stepTargets, type Directory } from './targets';
import type { Transaction } from 'kysely';
import type { DatabaseSchema } from '../db/schema';

const ACTOR = 'escalation';

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

  /** Returns how many steps fired. */
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
    while (position.phase === 'active' && position.nextAt <= now) {
      const { step, next } = fireStep(e.policy, position);
      const { entries, unreached } = stepTargets(step, this.directory, new Date(position.nextAt));
      // The due time tells runs of the policy apart: one started again (reopened, ack timeout, noise control)
      // pages afresh, while the same step retried after a crash keeps its key and is not queued twice.
      const key = `${e.incidentId}:${position.cycle}:${position.step}:${position.nextAt}`;
      await enqueue(
        tx,
        e.incidentId,
        'escalation',
        entries.map((x) => ({ ...x, dedupeKey: `${key}:${x.channel}:${x.recipient ?? ''}` })),
        now,
      );
      const reached = entries.map((x) => (x.recipient ? `${x.recipient} (${x.channel})` : x.channel));
      const message = [
        `step ${position.step + 1} of ${e.policy.name}${position.cycle > 0 ? `, round ${position.cycle + 1}` : ''}`,
        reached.length > 0 ? `notified ${reached.join(', ')}` : 'notified nobody',
        ...unreached,
      ].join('; ');
      await this.timeline(tx, e.incidentId, now, 'escalated', message);
      position = next;
      fired += 1;
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
  ) {
    await tx
      .insertInto('timeline')
      .values({ incident_id: incidentId, at, kind, actor: ACTOR, message, data: null })
      .execute();
  }
}
