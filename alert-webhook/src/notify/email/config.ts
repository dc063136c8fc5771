import addressparser from 'nodemailer/lib/addressparser';
import { z } from 'zod';
import { portSchema, resolveSecret, secretRef } from '@vigil/service-kit';
import { timeout } from '../common-config';

/**
 * One mailbox, as nodemailer reads it: `ops@example.com` or `Vigil <vigil@example.com>`. nodemailer
 * itself drops what it cannot read as one, and sends the rest (a mail without From, a recipient lost).
 */
const mailbox = z.string().refine((text) => {
  const parsed = addressparser(text);
  const address = parsed.length === 1 && 'address' in parsed[0]! ? parsed[0].address : '';
  return /^[^\s@]+@[^\s@]+$/.test(address ?? '');
}, 'must be one email address, as ops@example.com or "Vigil <vigil@example.com>"');

export const emailSchema = z.strictObject({
  kind: z.literal('email'),
  smtp: z.strictObject({
    host: z.string().min(1),
    port: portSchema(1).default(587),
    // true: TLS from the first byte (port 465); false: STARTTLS when the server offers it.
    secure: z.boolean().default(false),
    require_tls: z.boolean().default(false),
    auth: z.strictObject({ user: z.string().min(1), pass: secretRef }).optional(),
  }),
  from: mailbox,
  to: z.array(mailbox).min(1),
  timeout,
});

export interface EmailSettings {
  kind: 'email';
  smtp: {
    host: string;
    port: number;
    secure: boolean;
    requireTls: boolean;
    auth?: { user: string; pass: string };
  };
  from: string;
  to: string[];
  timeoutMs: number;
}

export function resolveEmail(
  channel: z.output<typeof emailSchema>,
  where: readonly PropertyKey[],
  env: NodeJS.ProcessEnv,
): EmailSettings {
  const { host, port, secure, require_tls, auth } = channel.smtp;
  return {
    kind: 'email',
    smtp: {
      host,
      port,
      secure,
      requireTls: require_tls,
      ...(auth && {
        auth: { user: auth.user, pass: resolveSecret(auth.pass, [...where, 'smtp', 'auth', 'pass'], env) },
      }),
    },
    from: channel.from,
    to: channel.to,
    timeoutMs: channel.timeout,
  };
}
