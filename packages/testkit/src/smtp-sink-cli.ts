import { resolve } from 'node:path';
import { startSmtpSink } from './smtp';

/**
 * The kit's SMTP sink for people (alert-webhook's quickstart): `node smtp-sink-cli.js [port] [dir]` accepts
 * any mail on 127.0.0.1 (port 1025 by default), writes each message to dir (./mail) and prints a line each.
 */
const port = Number(process.argv[2] ?? 1025);
const dir = resolve(process.argv[3] ?? 'mail');
startSmtpSink({
  port,
  dir,
  keep: false,
  onStored: (mail, file) => {
    const to = [mail.to ?? []]
      .flat()
      .map((a) => a.text)
      .join(', ');
    process.stdout.write(`mail to ${to}: ${mail.subject ?? '(no subject)'} -> ${file}\n`);
  },
}).then(
  () => process.stdout.write(`SMTP sink on 127.0.0.1:${port}, writing mail to ${dir}\n`),
  (err: unknown) => {
    process.stderr.write(`smtp-sink: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
