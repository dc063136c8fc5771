export {
  listenAddress,
  logLevelSchema,
  nameSchema,
  portSchema,
  serverSchema,
  uniqueNames,
} from './common-keys';
export { COMMON_FLAGS, parseCommandLine, usage, UsageError, type FlagSpec } from './cli';
export { loadConfigFile, locateProblems, readYamlFile } from './config-file';
export {
  DAY_MS,
  duration,
  formatDuration,
  MAX_TIMER_MS,
  parseDuration,
  positiveDuration,
  timerDuration,
} from './duration';
export { errorBody, sendError, writeError } from './http-error';
export { makeDirectory } from './make-directory';
export { createLogger, type Logger } from './logger';
export { bodyReadError, finishApp, HttpError, serviceApp, type OpsHooks } from './ops';
export {
  closest,
  ConfigError,
  describeIssues,
  fieldProblems,
  formatPath,
  formatProblem,
  ProblemList,
  allOf,
  validateConfig,
  type ConfigProblem,
  type FieldProblem,
} from './problems';
export { regexProblem, regexSchema } from './regex';
export { packageVersion, Runtime, revision, versionLine, type ServiceIdentity } from './runtime';
export { listen, ListenError, type Listening, type ListenOptions } from './server';
export {
  exitAfterOutput,
  runService,
  StartupError,
  type RunningService,
  type ServiceSpec,
  type StartContext,
} from './service';
export { resolveSecret, secret, secretRef, type SecretRef } from './secrets';
export { loadWebConfig, webConfigSchema, webGuard, type WebConfig } from './web-config';
export {
  HttpClient,
  httpClientFields,
  httpClientSchema,
  HttpRequestError,
  httpUrl,
  prometheusUrl,
  resolveHttpClient,
  resolveTlsConfig,
  tlsConfigSchema,
  tlsServerName,
  type HttpClientDocument,
  type TlsClientOptions,
  type TlsConfigDocument,
  type HttpClientSettings,
  type HttpResponse,
  type RequestOptions,
} from './http-client';
export { within } from './within';
