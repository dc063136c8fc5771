import { z } from 'zod';
import { cursor, id, idParam, limit, page, text } from './common';
import { components, named } from './registry';
import { rfc3339, timestamp } from './time';

export const auditEntry = named(
  'AuditEntry',
  'Something a person (or noise control) did: incident actions, maintenance windows, postmortems',
  z.strictObject({
    id,
    at: timestamp,
    actor: z.string(),
    action: z.string(),
    incident_id: id.nullable(),
    details: z.unknown().register(components, { description: 'what was asked, as recorded' }),
  }),
);
export type AuditEntry = z.output<typeof auditEntry>;

export const auditPage = named('AuditPage', 'A page of audit entries, newest first', page(auditEntry));
export type AuditPage = z.output<typeof auditPage>;

export const auditQuery = z.strictObject({
  actor: text.optional(),
  action: text.optional(),
  incident_id: idParam('must be an incident id').optional(),
  since: rfc3339.optional().register(components, { description: 'at or after (RFC 3339)' }),
  until: rfc3339.optional().register(components, { description: 'before (RFC 3339)' }),
  limit: limit(500),
  cursor: cursor.optional(),
});
export type AuditQuery = z.output<typeof auditQuery>;
