import { integration } from '../integration';
import { resolveSlack, slackSchema } from './config';
import { createSlackChannel } from './slack';

export const slack = integration({
  schema: slackSchema,
  resolve: resolveSlack,
  create: (name, settings, shared) => createSlackChannel(name, settings, shared.slackPacer),
});
