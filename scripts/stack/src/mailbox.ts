import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';

export interface Mail {
  file: string;
  /** When the SMTP catcher had the whole message (the file's modification time), ms since the epoch. */
  receivedAt: number;
  to: string[];
  subject: string;
  text: string;
}

const addresses = (field: AddressObject | AddressObject[] | undefined) =>
  [field ?? []].flat().flatMap((a) => a.value.map((v) => v.address ?? ''));

/** The messages the stack's SMTP catcher wrote (see smtp.ts), decoded; each file is parsed once. */
export class Mailbox {
  private readonly mails = new Map<string, Mail>();

  constructor(private readonly dir: string) {}

  /** Every message so far, in the order they arrived. */
  async read(): Promise<Mail[]> {
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
