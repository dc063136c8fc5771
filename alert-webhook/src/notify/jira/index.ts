import { integration } from '../integration';
import { jiraSchema, resolveJira } from './config';
import { createJiraChannel } from './jira';

export const jira = integration({
  schema: jiraSchema,
  resolve: resolveJira,
  create: (name, settings, shared) => {
    if (!shared.db) throw new Error(`jira channel ${name} needs the database (its ticket per incident)`);
    return createJiraChannel(name, settings, shared.db);
  },
});
