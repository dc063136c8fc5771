import { config } from '@grafana/runtime';
import { ACT_ROLE, hasRole } from '@vigil/api-contract';
import type { Caller } from './types';

/**
 * Why the pages must only read, or undefined when they may act (acknowledge, write, create windows): the
 * API token's role, then the Grafana user's, as Grafana's proxy forwards writes (plugin.json's POST, PUT
 * and DELETE routes) only for Editors and Admins. Outside Grafana (tests) there is no signed-in user, and
 * the API decides alone.
 */
export function whyReadOnly(caller: Caller): string | undefined {
  if (!hasRole(caller.role, ACT_ROLE))
    return `needs the ${ACT_ROLE} role; the configured API token "${caller.name}" is a ${caller.role}`;
  const user = config.bootData?.user;
  if (!user?.orgRole || user.isGrafanaAdmin || user.orgRole === 'Editor' || user.orgRole === 'Admin')
    return undefined;
  return `needs Grafana's Editor role: Grafana forwards only reads for a ${user.orgRole}`;
}
