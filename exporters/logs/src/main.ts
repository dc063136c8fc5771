import { loadConfigFile, packageVersion, runService, type Logger } from '@vigil/service-kit';
import { createApp } from './app';
import { parseConfig, type Config } from './config';
import { createExporter } from './exporter';

/**
 * --one-shot reads every file source from its beginning to its end, prints the metrics and exits, like
 * mtail's --one_shot: to try a config on sample logs, and for the benchmark. Offsets are not saved.
 */
async function oneShot(config: Config, log: Logger) {
  const files = Object.fromEntries(Object.entries(config.sources).filter(([, s]) => s.input.kind === 'file'));
  const exporter = createExporter(
    { ...config, sources: files, state_file: undefined, files: { ...config.files, start_at: 'beginning' } },
    { log },
  );
  await exporter.start();
  await exporter.stop(true);
  process.stdout.write(await exporter.render());
}

void runService<Config>({
  id: { name: 'logs', metricPrefix: 'logexporter', version: packageVersion(__dirname) },
  configEnv: 'VIGIL_LOGS_CONFIG',
  configRequired: true,
  flags: {
    'one-shot': {
      type: 'boolean',
      description: 'read the file sources whole, print the metrics and exit (as mtail --one_shot)',
    },
  },
  commands: { 'one-shot': ({ config, log }) => oneShot(config, log) },
  loadConfig: (path) => loadConfigFile(path as string, parseConfig),
  logLevel: (config) => config.log_level,
  async start({ config, log, runtime }) {
    const exporter = createExporter(config, { log });
    return {
      app: createApp(runtime, exporter, log),
      summary: { sources: Object.keys(config.sources).length, metrics: config.metrics.length },
      // A source that cannot start (a syslog port in use) stops the exporter, naming it.
      onListening: () => exporter.start(),
      async reload(next) {
        await exporter.reload(next);
      },
      // Saves the file offsets, so that the next start resumes exactly here.
      stop: () => exporter.stop(),
    };
  },
});
