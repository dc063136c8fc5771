import { ConfigError, loadConfigFile, runService } from '@vigil/service-kit';
import { createApp } from './app';
import { parseConfig, type Config } from './config';
import { Exporter } from './exporter';
import { IDENTITY } from './identity';

const countChecks = (config: Config) => config.services.reduce((n, s) => n + s.checks.length, 0);

runService<Config>({
  id: IDENTITY,
  configEnv: 'VIGIL_HEALTH_CHECK_CONFIG',
  configRequired: true,
  loadConfig: (path) => {
    if (!path) throw new ConfigError('no configuration file given');
    return loadConfigFile(path, parseConfig);
  },
  listenOn: (config) => ({ address: config.server.listen_address, port: config.server.port }),
  logLevel: (config) => config.log_level,
  async start({ config, log, runtime }) {
    const exporter = new Exporter(config, log);
    return {
      app: createApp(exporter, runtime, log),
      // The kit logs the reload itself; this says what happened to the checks.
      reload: async (next) => log.info(await exporter.reload(next), 'checks replaced'),
      onListening: () => exporter.start(),
      stop: () => exporter.stop(),
      summary: { services: config.services.length, checks: countChecks(config) },
    };
  },
}).catch((err: unknown) => {
  process.stderr.write(`health-check: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
