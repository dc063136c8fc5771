import type { Server } from 'node:http';
import { createApp } from './app';
import { ConfigError, loadConfig, type Config } from './config';
import { createExporter } from './exporter';
import { createLogger } from './logger';

function configPath(argv: string[]): string | undefined {
  const i = argv.indexOf('--config');
  return i >= 0 ? argv[i + 1] : process.env.VIGIL_LOGS_CONFIG;
}

/**
 * --one-shot reads every file source from its beginning to its end, prints the metrics and exits, like
 * mtail's --one_shot: to try a config on sample logs, and for the benchmark. Offsets are not saved.
 */
async function oneShot(config: Config) {
  const log = createLogger(config.log_level);
  const files = Object.fromEntries(Object.entries(config.sources).filter(([, s]) => s.input.kind === 'file'));
  const exporter = createExporter(
    { ...config, sources: files, state_file: undefined, files: { ...config.files, start_at: 'beginning' } },
    { log },
  );
  await exporter.start();
  await exporter.stop();
  process.stdout.write(await exporter.render());
}

function serve(config: Config) {
  const log = createLogger(config.log_level);
  const exporter = createExporter(config, { log });
  const app = createApp(config, exporter, log);
  const server: Server = app.listen(config.server.port, config.server.listen_address, () => {
    log.info(
      {
        port: config.server.port,
        sources: Object.keys(config.sources).length,
        metrics: config.metrics.length,
      },
      'log exporter listening',
    );
  });
  server.on('error', (err) => {
    log.fatal({ err }, 'cannot listen');
    process.exit(1);
  });
  exporter.start().catch((err: unknown) => {
    log.fatal({ err }, 'cannot start sources');
    process.exit(1);
  });
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    server.close();
    // Saves the file offsets, so that the next start resumes exactly here.
    void exporter.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

function main() {
  const path = configPath(process.argv);
  if (!path) {
    process.stderr.write('logs: give --config <file> or VIGIL_LOGS_CONFIG\n');
    process.exit(2);
  }
  let config: Config;
  try {
    config = loadConfig(path);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`logs: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (process.argv.includes('--one-shot')) void oneShot(config);
  else serve(config);
}

main();
