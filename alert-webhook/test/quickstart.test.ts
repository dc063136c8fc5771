import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import {
  alertmanagerBinary,
  freePort,
  spawnProcess,
  startProcess,
  stopAll,
  tempDir,
  type TempDir,
} from '@vigil/testkit';
import { buildReceiver } from './processes';

/**
 * Follows "A first alert in five minutes" of the README to the letter: the commands of its code blocks,
 * run in a copy of quickstart/ whose three ports are moved to free ones (in the commands and the files alike).
 */

const PACKAGE_DIR = join(__dirname, '..');
const SECTION = '## A first alert in five minutes';
/** The ports the quickstart uses, in its files and commands. */
const PORTS = { receiver: '9096', alertmanager: '9093', smtp: '1025' } as const;

/** Every command line of the section's ```sh blocks, trailing comments removed. */
function sectionCommands(): string[] {
  const readme = readFileSync(join(PACKAGE_DIR, 'README.md'), 'utf8');
  const start = readme.indexOf(SECTION);
  if (start < 0) throw new Error(`README.md has no "${SECTION}" section`);
  const end = readme.indexOf('\n## ', start + SECTION.length);
  const lines = readme.slice(start, end < 0 ? undefined : end).split('\n');
  const commands: string[] = [];
  let inBlock = false;
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith('```')) {
      inBlock = line === '```sh';
      continue;
    }
    if (inBlock && line !== '') commands.push(line.replace(/\s+#\s.*$/, ''));
  }
  return commands;
}

let tmp: TempDir;
let cwd: string;
let ports: Record<keyof typeof PORTS, string>;
const substitute = (text: string) =>
  (Object.keys(PORTS) as (keyof typeof PORTS)[]).reduce(
    (out, name) => out.split(PORTS[name]).join(ports[name]),
    text,
  );

beforeAll(async () => {
  buildReceiver();
  tmp = tempDir('vigil-quickstart-');
  // The layout the commands expect: the repository's, with a copy of quickstart/ (its files get test ports).
  const pkg = join(tmp.dir, 'alert-webhook');
  cwd = join(pkg, 'quickstart');
  cpSync(join(PACKAGE_DIR, 'quickstart'), cwd, { recursive: true });
  symlinkSync(join(PACKAGE_DIR, 'dist'), join(pkg, 'dist'));
  for (const shared of ['node_modules', 'packages'])
    symlinkSync(join(PACKAGE_DIR, '..', shared), join(tmp.dir, shared));
  ports = {
    receiver: String(await freePort()),
    alertmanager: String(await freePort()),
    smtp: String(await freePort()),
  };
  for (const file of ['alert-webhook.yml', 'alertmanager.yml'])
    writeFileSync(join(cwd, file), substitute(readFileSync(join(cwd, file), 'utf8')));
});
afterAll(async () => {
  await stopAll();
  tmp.cleanup();
});

it('takes an amtool alert to an incident at the API and an email in the sink, as the README says', async () => {
  const commands = sectionCommands().map(substitute);
  const take = (prefix: string) => {
    const found = commands.filter((c) => c.startsWith(prefix));
    if (found.length !== 1)
      throw new Error(`expected one command starting "${prefix}": ${commands.join('\n')}`);
    commands.splice(commands.indexOf(found[0]!), 1);
    return found[0]!;
  };
  // Done by beforeAll: the build (buildReceiver) and the directory (cwd).
  take('npm ci && npm run build -w alert-webhook');
  take('cd alert-webhook/quickstart');
  const secrets = take('(umask 077;');
  const sink = take('node ../../packages/testkit/dist/src/smtp-sink-cli.js');
  const receiver = take('node ../dist/src/main.js');
  const alertmanager = take('alertmanager ');
  const amtool = take('amtool alert add');
  const curl = take('curl ');
  expect(commands).toEqual([]); // a step added to the README needs adding here

  const sh = (command: string) => execFileSync('sh', ['-c', command], { cwd }).toString();
  /** A long-running command: its words (no quoting in these), the program replaced by its path. */
  const argv = (command: string, program: string) => {
    const [, ...args] = command.split(/\s+/);
    return [program, args] as const;
  };

  sh(secrets);
  for (const file of ['admin-token', 'webhook-token', 'ack-secret']) {
    expect(readFileSync(join(cwd, file), 'utf8').trim()).toMatch(/^[0-9a-f]{48}$/);
  }

  const sinkProc = spawnProcess(...argv(sink, process.execPath), { name: 'smtp-sink', cwd });
  await sinkProc.waitForOutput(new RegExp(`SMTP sink on 127\\.0\\.0\\.1:${ports.smtp}`));
  const receiverUrl = `http://127.0.0.1:${ports.receiver}`;
  await startProcess(...argv(receiver, process.execPath), {
    name: 'receiver',
    cwd,
    ready: `${receiverUrl}/readyz`,
    readyTimeoutMs: 60_000,
  });
  await startProcess(...argv(alertmanager, alertmanagerBinary()), {
    name: 'alertmanager',
    cwd,
    ready: `http://127.0.0.1:${ports.alertmanager}/-/ready`,
    readyTimeoutMs: 60_000,
  });

  sh(amtool);

  // The incident, at the API with the documented token.
  const incident = await sinkProc.waitFor(
    'the incident at the API',
    async () => {
      const { items } = JSON.parse(sh(curl)) as { items: { id: number; title: string; severity: string }[] };
      return items[0];
    },
    { timeoutMs: 60_000 },
  );
  expect(incident).toMatchObject({ title: 'Checkout is failing', severity: 'critical', service: 'checkout' });
  expect(curl).toContain('$(cat admin-token)');

  // The email, in the sink.
  const [line, file] = (
    await sinkProc.waitForOutput(/mail to team@vigil\.localhost: (.*) -> (\S+\.eml)/, { timeoutMs: 60_000 })
  ).slice(1) as [string, string];
  expect(line).toBe('[CRITICAL] checkout: Checkout is failing');
  expect(readdirSync(join(cwd, 'mail'))).toHaveLength(1);
  const mail = await simpleParser(readFileSync(file));
  // Its "View incident" link opens the incident page in a browser, without a token.
  const view = /<a href="([^"]+)">View incident<\/a>/.exec(mail.html as string)?.[1]?.replace(/&amp;/g, '&');
  expect(view?.startsWith(`${receiverUrl}/api/v1/view/`)).toBe(true);
  const page = await fetch(view as string);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain(`Incident #${incident.id}: Checkout is failing`);
}, 240_000);
