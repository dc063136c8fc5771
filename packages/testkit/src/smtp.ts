import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface SmtpSinkOptions {
  /** Default: a free port. */
  port?: number;
  /**
   * Also write each message as `<dir>/<time>-<n>.eml`, so that a person or another process can read it
   * (see Mailbox). Each file is written under another name and renamed once complete, so a reader never
   * sees half a message.
   */
  dir?: string;
  /** Keep every message, parsed, in `received` (default); off for a long-running sink that only writes files. */
  keep?: boolean;
  /** Recipients to refuse at RCPT TO, by the part before the @: e.g. `{ gone: { code: 550, message: 'No such user' } }`. */
  refuse?: Record<string, { code: number; message: string }>;
  /**
   * Logins: AUTH with this username and password succeeds, any other fails with 535; `required` refuses
   * mail without a login. Without it, no AUTH is accepted and none is needed.
   */
  auth?: { username: string; password: string; required?: boolean };
  /**
   * Anything else smtp-server takes, applied last: key and cert (STARTTLS, which is off without them),
   * secure (implicit TLS), authMethods, disabledCommands, onConnect...
   */
  server?: SMTPServerOptions;
  /** Told of each message once stored: parsed, with its file when `dir` is set. */
  onStored?: (mail: ReceivedMail, file: string | undefined) => void;
}

/** A message as the sink parsed it, and when it had all of it (ms since the epoch, sub-millisecond). */
export type ReceivedMail = ParsedMail & { receivedAt: number };

export interface SmtpSink {
  port: number;
  /** smtp://127.0.0.1:port */
  url: string;
  /** Every message accepted, in arrival order (a test may clear it with `received.length = 0`). */
  received: ReceivedMail[];
  /** What clients did: MAIL FROM commands, and the mechanism of each AUTH attempt. */
  seen: { mail: number; auth: string[] };
  close(): Promise<void>;
}

const smtpError = (code: number, message: string) =>
  Object.assign(new Error(message), { responseCode: code });

/**
 * A real SMTP server (the smtp-server package) on loopback that accepts mail from any sender, without TLS
 * unless given a certificate, and keeps what it accepts (see the options).
 */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const seen = { mail: 0, auth: [] as string[] };
  const { dir, auth, refuse = {} } = options;
  if (dir) await mkdir(dir, { recursive: true });
  let count = 0;
  /** Stores one whole message; `receivedAt` is taken before any of this work. */
  const store = async (raw: Buffer, receivedAt: number) => {
    let file: string | undefined;
    if (dir) {
      file = join(dir, `${new Date(receivedAt).toISOString().replace(/[:.]/g, '-')}-${++count}.eml`);
      await writeFile(`${file}.part`, raw);
      await rename(`${file}.part`, file);
    }
    if (options.keep === false && !options.onStored) return;
    const mail = Object.assign(await simpleParser(raw), { receivedAt });
    if (options.keep !== false) received.push(mail);
    options.onStored?.(mail, file);
  };
  const server = new SMTPServer({
    authOptional: !auth?.required,
    disabledCommands: options.server?.key ? [] : ['STARTTLS'],
    logger: false,
    disableReverseLookup: true,
    closeTimeout: 1000, // closing should not wait on an idle client
    onMailFrom(_address, _session, callback) {
      seen.mail++;
      callback();
    },
    onRcptTo(address, _session, callback) {
      const local = address.address.split('@')[0] ?? '';
      const reply = Object.hasOwn(refuse, local) ? refuse[local] : undefined;
      callback(reply && smtpError(reply.code, reply.message));
    },
    ...(auth && {
      onAuth(attempt, _session, callback) {
        seen.auth.push(attempt.method);
        if (attempt.username === auth.username && attempt.password === auth.password)
          callback(null, { user: auth.username });
        else callback(smtpError(535, 'Invalid username or password'));
      },
    }),
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const receivedAt = performance.timeOrigin + performance.now();
        store(Buffer.concat(chunks), receivedAt).then(() => callback(), callback);
      });
    },
    ...options.server,
  });
  server.on('error', () => undefined); // a client's failed TLS handshake, say: the client sees it
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as { port: number };
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    received,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A message that an SMTP sink wrote to its directory, decoded. */
export interface StoredMail {
  file: string;
  /** When the sink had the whole message (the file's modification time), ms since the epoch. */
  receivedAt: number;
  to: string[];
  subject: string;
  text: string;
}

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  [field ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? ''));

/** The messages an SMTP sink wrote to `dir` (SmtpSinkOptions.dir), decoded; each file is parsed once. */
export class Mailbox {
  private readonly mails = new Map<string, StoredMail>();

  constructor(private readonly dir: string) {}

  /** Every message so far, in the order they arrived. */
  async read(): Promise<StoredMail[]> {
    for (const name of readdirSync(this.dir).filter((n) => n.endsWith('.eml'))) {
      if (this.mails.has(name)) continue;
      const file = join(this.dir, name);
      const parsed = await simpleParser(readFileSync(file));
      this.mails.set(name, {
        file,
        receivedAt: statSync(file).mtimeMs,
        to: addresses(parsed.to),
        subject: parsed.subject ?? '',
        text: parsed.text ?? '',
      });
    }
    return [...this.mails.values()].sort((a, b) => a.receivedAt - b.receivedAt);
  }
}
