import type { RequestListener } from 'node:http';
import type { Logger } from 'pino';
import { COMMON_FLAGS, parseCommandLine, usage, UsageError, type CommandLine, type FlagSpec } from './cli';
import { createLogger } from './logger';
import { locateProblems } from './config-file';
import { ConfigError, formatProblem, type ConfigProblem } from './problems';
import { restartOnlyProblems, type ListeningConfig } from './restart-only';
import { Runtime, versionLine, type ServiceIdentity } from './runtime';
import { listen, ListenError, type Listening } from './server';
import { loadWebConfig, type WebConfig } from './web-config';

/** A failure to start that is not the configuration's fault, e.g. a database that cannot be reached. */
export class StartupError extends Error {
  override name = 'StartupError';
}

export interface StartContext<C> {
  config: C;
  log: Logger;
  runtime: Runtime;
  flags: CommandLine['values'];
}

export interface RunningService<C> {
  /** The whole HTTP app (usually `serviceApp` + the service's routes + `finishApp`). */
  app: RequestListener;
  /** Applies a new configuration, or throws (a ConfigError names the key) and the old one stays. */
  reload(next: C): void | Promise<void>;
  /** After the port is bound: start schedules, tails, workers. A rejection stops the service (exit 1). */
  onListening?(): void | Promise<void>;
  /** After in-flight requests have drained: save state, close databases. */
  stop(): Promise<void>;
  /** Logged with "listening". */
  summary?: Record<string, unknown>;
}

export interface ServiceSpec<C extends ListeningConfig> {
  id: ServiceIdentity;
  /** The environment variable that may name the config file instead of --config. */
  configEnv: string;
  /** Without a file, exporters have nothing to do; alert-webhook runs on its defaults. */
  configRequired: boolean;
  /** The service's own flags; each boolean one listed in `commands` runs instead of serving. */
  flags?: Record<string, FlagSpec>;
  commands?: Record<string, (ctx: StartContext<C>) => Promise<void>>;
  /** Added to the usage text: what else the program does, e.g. its subcommands. */
  usageMore?: string;
  /** Reads and validates the file (or the defaults, without one); throws ConfigError. */
  loadConfig(path: string | undefined): C;
  /** What of a valid web config file the service cannot honour, as problems of that file's keys. */
  webConfigProblems?(web: WebConfig): ConfigProblem[];
  /** Sections a reload may not change, besides `server.listen_address` and `server.port` (restart-only.ts). */
  restartOnly?: readonly (keyof C & string)[];
  logLevel(config: C): string;
  start(ctx: StartContext<C>): Promise<RunningService<C>>;
}

const write = (text: string) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);

/**
 * Exits once stdout and stderr have taken what was written to them: process.exit() at once cut a long
 * problem list off at the pipe's 64 KiB when the reader was slower (`--check-config | less`).
 */
export function exitAfterOutput(code: number): Promise<never> {
  return new Promise(() => {
    let pending = 2;
    const done = () => {
      pending -= 1;
      if (pending === 0) process.exit(code);
    };
    process.stdout.write('', done);
    process.stderr.write('', done);
  });
}

function problemsText(name: string, err: ConfigError): string {
  return err.problems.map((p) => `${name}: ${formatProblem(p)}`).join('\n');
}

/**
 * The one `main` of every Vigil service, after blackbox_exporter's: flags refused when unknown,
 * `--check-config`, `--version`, config reload on SIGHUP and `POST /-/reload` keeping the old config when
 * the new one is wrong, "listening" logged once bound, a bind failure named, a graceful stop on SIGTERM.
 * Exit codes: 0 done; 1 the config is invalid (--check-config) or the service failed; 2 a usage error or
 * an invalid config at start.
 */
export async function runService<C extends ListeningConfig>(
  spec: ServiceSpec<C>,
  argv = process.argv.slice(2),
): Promise<void> {
  const { name } = spec.id;
  const flags = { ...COMMON_FLAGS, ...spec.flags };
  let cli: CommandLine;
  try {
    cli = parseCommandLine(argv, flags);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    write(`${name}: ${err.message}\n${usage(name, spec.configEnv, flags, spec.usageMore)}`);
    return exitAfterOutput(2);
  }
  const values = cli.values;
  if (values.help) {
    process.stdout.write(usage(name, spec.configEnv, flags, spec.usageMore));
    return exitAfterOutput(0);
  }
  if (values.version) {
    process.stdout.write(`${versionLine(spec.id)}\n`);
    return exitAfterOutput(0);
  }
  const configPath = (values.config as string | undefined) ?? (process.env[spec.configEnv] || undefined);
  if (!configPath && spec.configRequired) {
    write(
      `${name}: give --config <file> or ${spec.configEnv}\n${usage(name, spec.configEnv, flags, spec.usageMore)}`,
    );
    return exitAfterOutput(2);
  }
  const webPath = values['web.config.file'] as string | undefined;
  const configName = configPath ?? 'the default configuration';
  /** The files that had problems in the last load, for the summary line of --check-config. */
  let invalid: string[] = [];
  const loadAll = (): { config: C; web?: WebConfig } => {
    const problems: ConfigError[] = [];
    invalid = [];
    let config: C | undefined;
    let web: WebConfig | undefined;
    try {
      config = spec.loadConfig(configPath);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err);
      invalid.push(configName);
    }
    try {
      web = webPath ? loadWebConfig(webPath) : undefined;
      const refused = web && spec.webConfigProblems?.(web);
      // Placed in the file as the loader places its own problems: file, line and column.
      if (refused?.length) throw new ConfigError(locateProblems(webPath as string, refused));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err);
      invalid.push(webPath as string);
    }
    if (problems.length > 0) throw new ConfigError(problems.flatMap((e) => e.problems));
    return { config: config as C, web };
  };

  if (values['check-config']) {
    try {
      loadAll();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      write(problemsText(name, err));
      write(
        `${name}: ${invalid.join(' and ')} ${invalid.length > 1 ? 'are' : 'is'} invalid (${err.problems.length} problem${err.problems.length === 1 ? '' : 's'})`,
      );
      return exitAfterOutput(1);
    }
    process.stdout.write(`${name}: ${configName}${webPath ? ` and ${webPath}` : ''}: SUCCESS\n`);
    return exitAfterOutput(0);
  }

  let loaded: { config: C; web?: WebConfig };
  try {
    loaded = loadAll();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    write(problemsText(name, err));
    return exitAfterOutput(2);
  }
  const log = createLogger(spec.logLevel(loaded.config));
  const runtime = new Runtime(spec.id);
  const ctx: StartContext<C> = { config: loaded.config, log, runtime, flags: values };
  const command = Object.keys(spec.commands ?? {}).find((flag) => values[flag]);
  if (command) {
    await (spec.commands as Record<string, (c: StartContext<C>) => Promise<void>>)[command]!(ctx);
    return;
  }

  // Installed before starting: Node's default for SIGHUP would end a process still starting.
  process.on('SIGHUP', () => {
    if (runtime.reload) runtime.reload().catch(() => undefined);
    else log.warn('SIGHUP before the service finished starting: not reloaded');
  });
  let running!: RunningService<C>;
  let listening!: Listening;
  /** Set once start-up after listening (a log exporter's first pass, the anomaly history) is over. */
  let started = false;
  let stopping = false;
  const stop = () =>
    void listening
      .close()
      .then(() => running.stop())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'stopping failed');
          process.exit(1);
        },
      );
  // Also installed before starting. Before listening there is nothing to keep (a database still being
  // reached waits no longer); after it, the start-up work (a log exporter's first pass) finishes first, or
  // Node's default would end it and lose what it did (the offsets); then the service stops as usual.
  const shutdown = (signal: string) => {
    if (stopping || !listening) {
      log.info({ signal }, 'stopping now');
      process.exit(stopping ? 1 : 0); // a second signal: stop now
    }
    stopping = true;
    log.info({ signal }, started ? 'shutting down' : 'shutting down once started');
    if (started) stop();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    running = await spec.start(ctx);
    const { listen_address: address, port } = loaded.config.server;
    let web = loaded.web;
    let current = loaded.config;
    listening = await listen(running.app, {
      address,
      port,
      web: web && (() => web as WebConfig),
      setBy: `server.listen_address and server.port in ${configPath ?? 'the configuration'}`,
    });
    // Reloads run one at a time; a failed one leaves the old configuration, the metric says so.
    let queue = Promise.resolve();
    runtime.reload = () => {
      const attempt = queue.then(async () => {
        try {
          const next = loadAll();
          if (Boolean(next.web?.tls) !== Boolean(web?.tls))
            throw new ConfigError('web config: turning TLS on or off needs a restart');
          try {
            const refused = restartOnlyProblems(current, next.config, spec.restartOnly);
            if (refused.length > 0) throw new ConfigError(refused);
            await running.reload(next.config);
          } catch (err) {
            if (!(err instanceof ConfigError) || !configPath) throw err;
            throw new ConfigError(locateProblems(configPath, err.problems));
          }
          log.level = spec.logLevel(next.config);
          current = next.config;
          web = next.web;
          if (web) listening.updateTls(web);
          runtime.recordReload(true);
          log.info({ file: configPath }, 'configuration reloaded');
        } catch (err) {
          runtime.recordReload(false);
          const problems = err instanceof ConfigError ? err.problems.map(formatProblem) : [String(err)];
          log.error({ problems }, 'configuration reload failed; the previous configuration stays in force');
          throw err;
        }
      });
      queue = attempt.catch(() => undefined);
      return attempt;
    };
  } catch (err) {
    if (err instanceof ConfigError) write(problemsText(name, err));
    else if (err instanceof ListenError || err instanceof StartupError) write(`${name}: ${err.message}`);
    else log.fatal({ err }, 'failed to start');
    return exitAfterOutput(1);
  }
  log.info({ url: listening.url, ...running.summary }, `${name} listening`);
  try {
    await running.onListening?.();
  } catch (err) {
    if (err instanceof ConfigError) write(problemsText(name, err));
    else write(`${name}: ${(err as Error).message}`);
    await listening.close(0);
    return exitAfterOutput(1);
  }
  started = true;
  if (stopping) stop();
}
