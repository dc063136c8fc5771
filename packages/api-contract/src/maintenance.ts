import { z } from 'zod';
import { id, prose } from './common';
import { components, named } from './registry';
import { rfc3339, timestamp } from './time';

export const maintenanceWindow = named(
  'MaintenanceWindow',
  'A maintenance window: while active, notifications of incidents whose alerts all match it are held',
  z.strictObject({
    id,
    name: z
      .string()
      .nullable()
      .register(components, { description: 'the name in the configuration file; null for API windows' }),
    source: z.enum(['config', 'api']),
    matchers: z
      .array(z.string())
      .register(components, { description: 'Alertmanager matchers in canonical form' }),
    starts_at: timestamp,
    ends_at: timestamp,
    comment: z.string(),
    created_by: z.string(),
    created_at: timestamp,
    deleted_at: timestamp.nullable(),
    state: z.enum(['upcoming', 'active', 'ended']),
    alertmanager_silence: z
      .union([z.strictObject({ id: z.string() }), z.strictObject({ error: z.string() })])
      .nullable()
      .register(components, {
        description: "the matching Alertmanager silence's id, or why it could not be created",
      }),
  }),
);
export type MaintenanceWindow = z.output<typeof maintenanceWindow>;

export const maintenanceList = z.strictObject({ items: z.array(maintenanceWindow) });
export type MaintenanceList = z.output<typeof maintenanceList>;

/**
 * A new window. `matchers` as Alertmanager takes them: strings of one or more comma-separated matchers, at
 * least one not matching the empty string; the receiver checks their syntax (400 naming the bad one).
 */
export const createMaintenanceBody = z.strictObject({
  matchers: z.union([z.string(), z.array(z.string())]),
  starts_at: rfc3339.optional().register(components, { description: 'default: now' }),
  ends_at: rfc3339,
  comment: prose(1000).default(''),
});
export type CreateMaintenanceBody = z.input<typeof createMaintenanceBody>;
