/** One test kit for every test, bench, the plugins' harness and the native stack (npm run stack). */
export {
  alertmanagerBinary,
  blackboxExporterBinary,
  findBinary,
  postgresBinDir,
  prometheusBinary,
  promtoolBinary,
  redisServerBinary,
  victoriaMetricsBinary,
} from './binaries';
export { tempDir, type TempDir } from './files';
export { configRefusal } from './refusal';
export { freePort, freePorts, listenLocal, portInUse, startHttp } from './ports';
export {
  spawnProcess,
  startProcess,
  stopAll,
  type RunningProcess,
  type SpawnOptions,
  type StartOptions,
} from './process';
export {
  compiledService,
  errorOf,
  serviceEndpoints,
  type CommandResult,
  type CompiledService,
} from './service';
export { sleep, waitFor, WaitTimeout, type WaitOptions } from './wait';
export {
  pushAlerts,
  startAlertmanager,
  type Alertmanager,
  type AlertmanagerOptions,
  type PostableAlert,
} from './alertmanager';
export { startPostgres, type Postgres, type PostgresOptions } from './postgres';
export { startPrometheus, type Prometheus, type PrometheusOptions, type Sample } from './prometheus';
export { startVictoriaMetrics, type VictoriaMetrics, type VictoriaMetricsOptions } from './victoriametrics';
export {
  EXPORTER_BINARIES,
  exporterBinary,
  startExporter,
  startNginx,
  type Exporter,
  type ExporterKind,
  type ExporterOptions,
  type ExporterTargets,
  type Nginx,
} from './exporters';
export { startRedis, type Redis, type RedisOptions } from './redis';
export {
  Mailbox,
  startSmtpSink,
  type ReceivedMail,
  type SmtpSink,
  type SmtpSinkOptions,
  type StoredMail,
} from './smtp';
export { makeCertificates, type Certificates } from './certificates';
export { startForwardProxy, type ForwardProxy, type ProxiedRequest } from './proxy';
export { startFakeApi, type ApiReply, type ApiRequest, type FakeApi } from './fakes/api';
export { startFakePagerDuty, type FakePagerDuty, type PagerDutyAlert } from './fakes/pagerduty';
export { startFakeSlack, type FakeSlack, type SlackMessage } from './fakes/slack';
export { blockKitError } from './fakes/slack-blocks';
export { startFakeJira, type FakeJira, type JiraIssue } from './fakes/jira';
