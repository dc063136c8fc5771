import { z } from 'zod';
import { DAY_MS, duration, timerDuration } from '@vigil/service-kit';

/** How long each kind of row is kept once finished with; 0s keeps it forever. At most a century: dates end. */
const keep = (days: number) =>
  duration.refine((ms) => ms <= 36_500 * DAY_MS, 'must be at most 36500d (a century)').default(days * DAY_MS);

export const retentionSchema = z
  .strictObject({
    // Deliveries merged into incidents (or failed), counted from their arrival. Unmerged ones are never pruned.
    inbox: keep(1),
    // Resolved incidents with their alerts, timeline, notifications and escalation, counted from resolution.
    incidents: keep(90),
    // The audit log of what people did.
    audit: keep(365),
    // Notifications sent or given up on (and their delivery attempts), counted from their last update.
    notifications: keep(30),
    // How often pruning runs (the leader only, on PostgreSQL).
    interval: timerDuration.refine((ms) => ms >= 1000, 'must be at least 1s').default(60_000),
    // Rows deleted per transaction (incidents: a fiftieth of it, as each carries its alerts and timeline).
    batch_size: z.number().int().min(1).max(10_000).default(500),
  })
  .prefault({});

export type RetentionConfig = z.output<typeof retentionSchema>;
