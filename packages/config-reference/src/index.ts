export { keyComments, type KeyComment } from './comments';
export { referenceFiles } from './files';
export { inputJsonSchema, type JsonSchema } from './json-schema';
export { indexMarkdown, secretSources, serviceMarkdown } from './markdown';
export { buildReference, parseYaml, type Example, type Reference } from './reference';
export { SchemaModel, variantPath, type DataPath, type Row } from './rows';
export { configSchemaOf, DOCS_DIR, examplesOf, referenceOf, ROOT, SERVICES, type Service } from './services';
