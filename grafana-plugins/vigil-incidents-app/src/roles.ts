import type { Role } from './types';

// As alert-webhook/src/api/auth.ts enforces them.
const LEVEL: Record<Role, number> = { viewer: 0, responder: 1, admin: 2 };

export function hasRole(role: Role | undefined, minimum: Role): boolean {
  return role !== undefined && LEVEL[role] >= LEVEL[minimum];
}

/** Acting on incidents (acknowledge, resolve, reopen, notes, assign) needs this role. */
export const ACT_ROLE: Role = 'responder';
