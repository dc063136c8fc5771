import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * A bench's flags, as parseArgs reads them; `--help` prints its usage, and a flag it does not take is
 * named beside the usage (exit 2) instead of in a stack trace.
 */
export function benchArgs<const T extends ParseArgsConfig>(
  usage: string,
  config: T,
): ReturnType<typeof parseArgs<T>>['values'] {
  if (process.argv.slice(2).includes('--help')) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  try {
    return parseArgs(config).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    process.exit(2);
  }
}

/** `--storage`: the two backends the receiver runs on. */
export function storageArg(value: string): 'sqlite' | 'postgres' {
  if (value !== 'sqlite' && value !== 'postgres')
    throw new Error(`--storage must be sqlite or postgres, not ${value}`);
  return value;
}
