// The quickstart's SMTP sink: accepts any mail on 127.0.0.1 (port 1025, or the first argument), writes each
// message to mail/<time>-<n>.eml under the working directory and prints one line per message.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { SMTPServer } = require('smtp-server');
const { simpleParser } = require('mailparser');

const port = Number(process.argv[2] ?? 1025);
const dir = join(process.cwd(), 'mail');
mkdirSync(dir, { recursive: true });
let count = 0;

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  disableReverseLookup: true,
  logger: false,
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${++count}.eml`);
      writeFileSync(file, raw);
      const mail = await simpleParser(raw).catch(() => undefined);
      const to = session.envelope.rcptTo.map((r) => r.address).join(', ');
      console.log(`mail to ${to}: ${mail?.subject ?? '(unreadable)'} -> ${file}`);
      callback();
    });
  },
});
server.on('error', (err) => {
  console.error(`smtp-sink: ${err.message}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => console.log(`SMTP sink on 127.0.0.1:${port}, writing mail to ${dir}`));
