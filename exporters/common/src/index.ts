export { duration, parseDuration, positiveDuration } from './duration';
export {
  ConfigError,
  describeIssues,
  formatPath,
  readYamlFile,
  validateConfig,
  type FieldProblem,
} from './config-file';
export { sendError } from './http-error';
export { regexSchema } from './regex';
