import { parseArgs } from 'node:util';
import { closest } from './problems';

export interface FlagSpec {
  type: 'string' | 'boolean';
  description: string;
}

/** Flags every service takes, as Prometheus's tools spell them where they have them. */
export const COMMON_FLAGS: Record<string, FlagSpec> = {
  config: { type: 'string', description: 'the configuration file (YAML)' },
  'check-config': { type: 'boolean', description: 'check the configuration, print every problem, and exit' },
  'web.config.file': {
    type: 'string',
    description: 'TLS and basic auth for the HTTP endpoints (Prometheus exporter-toolkit format)',
  },
  version: { type: 'boolean', description: 'print the version and exit' },
  help: { type: 'boolean', description: 'print this help and exit' },
};

/**
 * Prometheus's spellings of flags that Vigil spells otherwise (blackbox_exporter's `--config.check`,
 * Prometheus's `--config.file`): too far from ours to pass for typos, but what its users type first.
 */
const PROMETHEUS_SPELLINGS: Record<string, string> = {
  'config.check': 'check-config',
  'config.file': 'config',
  'web.config': 'web.config.file',
};

/** Prometheus's flags for what Vigil's services read from their configuration file. */
const IN_THE_FILE: Record<string, string> = {
  'web.listen-address': 'server.listen_address and server.port',
  'log.level': 'log_level',
};

export interface CommandLine {
  values: Record<string, string | boolean | undefined>;
}

/** A command line refused: the message says which flag and, for a typo, the likely one. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function usage(
  name: string,
  configEnv: string,
  flags: Record<string, FlagSpec>,
  /** Further lines, e.g. subcommands that run instead of the service. */
  more = '',
): string {
  const rows = Object.entries(flags).map(
    ([flag, spec]) => `  --${flag}${spec.type === 'string' ? ' <value>' : ''}\n      ${spec.description}`,
  );
  return `usage: ${name} [flags]\n\nflags:\n${rows.join('\n')}\n\nThe configuration file may also be given as ${configEnv}.\n${more}`;
}

/** Parses flags strictly: an unknown flag, a missing value or a stray argument is a UsageError. */
export function parseCommandLine(argv: string[], flags: Record<string, FlagSpec>): CommandLine {
  try {
    const { values } = parseArgs({ args: argv, options: flags, strict: true, allowPositionals: false });
    return { values: values as CommandLine['values'] };
  } catch (err) {
    const message = (err as Error).message.split('\n')[0] as string;
    const flag = /'(-{1,2}[^'= ]+)/.exec(message)?.[1];
    if (flag && /unknown option/i.test(message)) {
      const name = flag.replace(/^-+/, '');
      const key = IN_THE_FILE[name];
      if (key) throw new UsageError(`unknown flag ${flag}: set ${key} in the configuration file (--config)`);
      const known = PROMETHEUS_SPELLINGS[name];
      const guess = known && known in flags ? known : closest(name, Object.keys(flags));
      throw new UsageError(`unknown flag ${flag}${guess ? ` (did you mean --${guess}?)` : ''}`);
    }
    throw new UsageError(message);
  }
}
