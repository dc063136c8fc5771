import { integration } from '../integration';
import { resolveTeams, teamsSchema } from './config';
import { createTeamsChannel } from './teams';

export const teams = integration({
  schema: teamsSchema,
  resolve: resolveTeams,
  create: (name, settings) => createTeamsChannel(name, settings),
});
