import { z } from 'zod';

/** API token roles, each allowed what the ones before it are. */
export const ROLES = ['viewer', 'responder', 'admin'] as const;
export const role = z.enum(ROLES);
export type Role = z.output<typeof role>;

const LEVEL: Record<Role, number> = { viewer: 0, responder: 1, admin: 2 };

/** Whether a token of `role` may do what needs `minimum`. */
export function hasRole(role: Role | undefined, minimum: Role): boolean {
  return role !== undefined && LEVEL[role] >= LEVEL[minimum];
}

/** Acting on incidents (acknowledge, resolve, reopen, notes, assign) and maintenance windows needs this role. */
export const ACT_ROLE: Role = 'responder';
