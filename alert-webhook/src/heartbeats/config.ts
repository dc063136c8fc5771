import { z } from 'zod';
import { DAY_MS, positiveDuration, uniqueNames } from '@vigil/service-kit';
import { matchersField } from '../routing/schema';

const labelName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a Prometheus label name');
/** Labels the receiver sets on a missing heartbeat's alert itself. */
const OWN_LABELS = ['alertname', 'heartbeat'];

const heartbeatSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be letters, digits, "_", "." or "-"'),
  matchers: matchersField.prefault(['alertname="Watchdog"']),
  source_labels: z
    .array(labelName.refine((l) => !OWN_LABELS.includes(l), `must not be ${OWN_LABELS.join(' or ')}`))
    .default([]),
  timeout: positiveDuration.default(300_000),
  labels: z.record(labelName, z.string()).default({ severity: 'critical' }),
  // A source silent this long whose incident is resolved (or gone) is forgotten: its row and its series.
  forget_after: positiveDuration.default(3 * DAY_MS),
});

export const heartbeatsSchema = z.array(heartbeatSchema).superRefine(uniqueNames('heartbeat'));

export type HeartbeatSettings = z.output<typeof heartbeatSchema>;
