import { integration } from '../integration';
import { emailSchema, resolveEmail } from './config';
import { createEmailChannel } from './email';

export const email = integration({
  schema: emailSchema,
  resolve: resolveEmail,
  create: (name, settings) => createEmailChannel(name, settings),
});
