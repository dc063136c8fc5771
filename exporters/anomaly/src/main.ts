import {
  ConfigError,
  loadConfigFile,
  packageVersion,
  runService,
  type ConfigProblem,
} from '@vigil/service-kit';
import { createApp } from './app';
import { parseConfig, type Config } from './config';
import { Updater } from './updater';

/** The listening socket is bound once, at start: a reload that moves it is refused, naming the key. */
function refuseServerChange(running: Config, next: Config) {
  const problems: ConfigProblem[] = (['listen_address', 'port'] as const)
    .filter((key) => running.server[key] !== next.server[key])
    .map((key) => ({
      path: ['server', key],
      message: `changing it needs a restart (still serving on ${running.server.listen_address}:${running.server.port})`,
    }));
  if (problems.length > 0) throw new ConfigError(problems);
}

void runService<Config>({
  id: { name: 'anomaly', metricPrefix: 'anomaly', version: packageVersion(__dirname) },
  configEnv: 'VIGIL_ANOMALY_CONFIG',
  configRequired: true,
  loadConfig: (path) => loadConfigFile(path as string, parseConfig),
  listenOn: (config) => ({ address: config.server.listen_address, port: config.server.port }),
  logLevel: (config) => config.log_level,
  async start({ config, log, runtime }) {
    const updater = new Updater(config, log);
    return {
      app: createApp(runtime, updater, log).app,
      summary: { queries: config.queries.length },
      onListening: () => updater.start(),
      reload(next) {
        refuseServerChange(updater.config, next);
        updater.reconfigure(next);
        log.level = next.log_level;
      },
      stop: () => updater.stop(),
    };
  },
});
