import { createWriteStream, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SMTPServer } from 'smtp-server';

export interface SmtpCatcher {
  close(): Promise<void>;
}

/**
 * A local stand-in for Mailpit: accepts every message on 127.0.0.1 (any sender, no auth, no TLS) and
 * writes it as `<dir>/<time>-<n>.eml`, so a test or a person can read what the stack sent. Each file is
 * written under another name and renamed once complete, so a reader never sees half a message.
 */
export async function startSmtpCatcher(port: number, dir: string): Promise<SmtpCatcher> {
  mkdirSync(dir, { recursive: true });
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1000, // stopping the stack should not wait on an idle client
    onData(stream, _session, callback) {
      const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${++count}.eml`);
      pipeline(stream, createWriteStream(`${file}.part`))
        .then(() => renameSync(`${file}.part`, file))
        .then(() => callback(), callback);
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
