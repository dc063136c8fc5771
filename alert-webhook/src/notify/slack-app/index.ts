import { integration } from '../integration';
import { resolveSlackApp, slackAppSchema } from './config';
import { createSlackAppChannel } from './slack-app';

export const slackApp = integration({
  schema: slackAppSchema,
  resolve: resolveSlackApp,
  create: (name, settings, shared) => {
    if (!shared.db)
      throw new Error(`slack_app channel ${name} needs the database (its message per incident)`);
    return createSlackAppChannel(name, settings, shared.db);
  },
});
