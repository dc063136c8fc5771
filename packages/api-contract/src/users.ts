import { z } from 'zod';
import { named } from './registry';

export const user = named(
  'User',
  'A Vigil user: a person of the configuration (users), notified by name and owning action items',
  z.strictObject({ name: z.string() }),
);
export type User = z.output<typeof user>;

export const userList = named(
  'UserList',
  'The configured users, by name',
  z.strictObject({ items: z.array(user) }),
);
export type UserList = z.output<typeof userList>;
