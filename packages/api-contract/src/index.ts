/**
 * alert-webhook's REST API as zod schemas: what the receiver validates and answers, what the incidents app
 * and the harness call, and what the OpenAPI document says. One definition; nothing is copied by hand.
 */
export * from './audit';
export * from './common';
export * from './incidents';
export * from './maintenance';
export * from './notifications';
export * from './oncall';
export * from './openapi';
export * from './operations';
export * from './postmortems';
export * from './reports';
export * from './roles';
export * from './time';
export * from './users';
export * from './webhook';
export * from './whoami';
export { components } from './registry';
