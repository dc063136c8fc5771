import {
  incomingWebhookSchema,
  resolveIncomingWebhook,
  type IncomingWebhookSettings,
} from '../common-config';

export const slackSchema = incomingWebhookSchema('slack');
export type SlackSettings = IncomingWebhookSettings<'slack'>;
export const resolveSlack = resolveIncomingWebhook<'slack'>;
