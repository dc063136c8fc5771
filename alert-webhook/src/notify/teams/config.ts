import {
  incomingWebhookSchema,
  resolveIncomingWebhook,
  type IncomingWebhookSettings,
} from '../common-config';

// The workflow URL is signed (sig= in its query).
export const teamsSchema = incomingWebhookSchema('teams');
export type TeamsSettings = IncomingWebhookSettings<'teams'>;
export const resolveTeams = resolveIncomingWebhook<'teams'>;
