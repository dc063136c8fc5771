import { ConfigError, exitAfterOutput, loadConfigFile, runService } from '@vigil/service-kit';
import { createApp } from './app';
import { parseConfig, type Config } from './config';
import { DiscoveringExporter } from './discovery';
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
  logLevel: (config) => config.log_level,
  async start({ config, log, runtime }) {
    // Checks follow the configuration and what its discovery sources find (file_sd, http_sd).
    const discovering = new DiscoveringExporter(config, log);
    const { exporter } = discovering;
    return {
      app: createApp(exporter, runtime, log),
      // The kit logs the reload itself; this says what happened to the checks.
      reload: (next) => discovering.reload(next),
      onListening: () => exporter.start(),
      stop: () => discovering.stop(),
      summary: { services: config.services.length, checks: countChecks(config) },
    };
  },
}).catch((err: unknown) => {
  process.stderr.write(`health-check: ${(err as Error).stack ?? String(err)}\n`);
  return exitAfterOutput(1);
});
