import { loadConfigFile, packageVersion, runService } from '@vigil/service-kit';
import { createApp } from './app';
import { parseConfig, type Config } from './config';
import { Updater } from './updater';

void runService<Config>({
  id: { name: 'anomaly', metricPrefix: 'anomaly', version: packageVersion(__dirname) },
  configEnv: 'VIGIL_ANOMALY_CONFIG',
  configRequired: true,
  loadConfig: (path) => loadConfigFile(path as string, parseConfig),
  logLevel: (config) => config.log_level,
  async start({ config, log, runtime }) {
    const updater = new Updater(config, log);
    return {
      app: createApp(runtime, updater, log).app,
      summary: { queries: config.queries.length },
      onListening: () => updater.start(),
      reload(next) {
        updater.reconfigure(next);
      },
      stop: () => updater.stop(),
    };
  },
});
