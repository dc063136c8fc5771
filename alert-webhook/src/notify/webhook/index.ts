import { integration } from '../integration';
import { resolveWebhook, webhookSchema } from './config';
import { createWebhookChannel } from './webhook';

export const webhook = integration({
  schema: webhookSchema,
  resolve: resolveWebhook,
  create: (name, settings) => createWebhookChannel(name, settings),
});
