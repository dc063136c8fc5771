import { parseArgs } from 'node:util';
import { checkDurations, COMPONENTS, type Component, type Ports, type StackOptions } from './options';
import { startStack } from './stack';

const USAGE = `usage: npm run stack -- [options]
  --data-dir <dir>              data, logs and generated config (default .stack/)
  --base-port <n>               component i listens on n+i instead of its default port
  --port <component>=<n>        one component's port (repeatable); components: ${COMPONENTS.join(', ')}
  --scrape-interval <d>         Prometheus scrape and evaluation interval (e.g. 5s)
  --evaluation-interval <d>     Prometheus evaluation interval, if different
  --group-wait <d>, --group-interval <d>, --repeat-interval <d>   Alertmanager route timings
  --check-interval <d>          how often the health-check exporter checks the demo (default 15s)
  --escalate-after <d>          wait between the escalation policy's steps (default 5m)
  --alert-for <alert>=<d>       for demos: load the rules with this alert's for: rewritten (repeatable),
                                e.g. --alert-for ServiceDown=10s; rules/ itself is not changed`;

function fail(message: string): never {
  process.stderr.write(`stack: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function portNumber(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65535) fail(`${what}: "${text}" is not a port`);
  return n;
}

/** The last component listens on base + COMPONENTS.length - 1, which must be a port too. */
function basePort(text: string): number {
  const n = portNumber(text, '--base-port');
  const last = n + COMPONENTS.length - 1;
  if (last > 65535)
    fail(`--base-port: "${text}" puts the last component (${COMPONENTS.at(-1)}) on ${last}, above 65535`);
  return n;
}

function parsePorts(specs: string[]): Partial<Ports> {
  const ports: Partial<Ports> = {};
  for (const spec of specs) {
    const [name, value = ''] = spec.split('=');
    if (!COMPONENTS.includes(name as Component)) fail(`--port ${spec}: unknown component "${name}"`);
    ports[name as Component] = portNumber(value, `--port ${spec}`);
  }
  return ports;
}

function parseAlertFor(specs: string[]): Record<string, string> | undefined {
  if (specs.length === 0) return undefined;
  const pairs = specs.map((spec) => {
    const [alert = '', duration = ''] = spec.split('=');
    if (!alert || !duration) fail(`--alert-for ${spec}: expected <alert>=<duration>`);
    return [alert, duration];
  });
  return Object.fromEntries(pairs);
}

async function main() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'data-dir': { type: 'string' },
        'base-port': { type: 'string' },
        port: { type: 'string', multiple: true },
        'scrape-interval': { type: 'string' },
        'evaluation-interval': { type: 'string' },
        'group-wait': { type: 'string' },
        'group-interval': { type: 'string' },
        'repeat-interval': { type: 'string' },
        'check-interval': { type: 'string' },
        'escalate-after': { type: 'string' },
        'alert-for': { type: 'string', multiple: true },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) return void process.stdout.write(`${USAGE}\n`);

  const log = (line: string) => process.stdout.write(`${line}\n`);
  const options: StackOptions = {
    dataDir: values['data-dir'],
    basePort: values['base-port'] === undefined ? undefined : basePort(values['base-port']),
    ports: parsePorts(values.port ?? []),
    scrapeInterval: values['scrape-interval'],
    evaluationInterval: values['evaluation-interval'],
    groupWait: values['group-wait'],
    groupInterval: values['group-interval'],
    repeatInterval: values['repeat-interval'],
    checkInterval: values['check-interval'],
    escalateAfter: values['escalate-after'],
    alertFor: parseAlertFor(values['alert-for'] ?? []),
    log,
  };
  try {
    checkDurations(options);
  } catch (err) {
    fail((err as Error).message);
  }
  let stack;
  try {
    stack = await startStack(options);
  } catch (err) {
    process.stderr.write(`stack: ${(err as Error).message}\n`);
    process.exit(1);
  }

  log(`\nVigil stack running; data, logs and generated config in ${stack.dataDir}`);
  for (const name of COMPONENTS) {
    const url = stack.urls[name];
    if (url) log(`  ${name.padEnd(14)} ${url}`);
  }
  if (stack.loadBalancer)
    log(`  load balancer  ${stack.loadBalancer} (nginx, in front of the demo: send traffic here)`);
  log(`  webhook token  ${stack.webhookTokenFile}\n  API token      ${stack.apiTokenFile} (admin)`);
  for (const note of stack.notes) log(`  (${note})`);
  log('Ctrl-C stops everything.');

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return; // a second Ctrl-C while stopping would otherwise orphan children
    stopping = true;
    log(`\n${signal}: stopping the stack`);
    void stack.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  // A component that dies takes the stack down loudly, rather than leaving a stack that only looks up.
  void stack.died.then(async (line) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`stack: ${line}; stopping the stack\n`);
    await stack.stop();
    process.exit(1);
  });
}

void main();
