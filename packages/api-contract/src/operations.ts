import { z } from 'zod';
import { auditPage, auditQuery } from './audit';
import { ID_TEXT, type ErrorCode } from './common';
import {
  assignBody,
  incidentDetail,
  incidentFilters,
  incidentListQuery,
  incidentPage,
  noteBody,
  transitionBody,
} from './incidents';
import { createMaintenanceBody, maintenanceList, maintenanceWindow } from './maintenance';
import { notificationList } from './notifications';
import { onCallQuery, onCallResponse } from './oncall';
import { postmortem, postmortemBody } from './postmortems';
import { slaQuery, slaReport } from './reports';
import type { Role } from './roles';
import { webhookAccepted, webhookPayload } from './webhook';
import { userList } from './users';
import { caller } from './whoami';

/**
 * Who may call an operation: an API token of at least this role; the webhook's credentials; the token in a
 * signed link (the path holds it); or anyone.
 */
export type Access = Role | 'webhook' | 'signed-link' | 'public';

/** A response that is not JSON: its media type and what it holds. */
export interface Document {
  mediaType: 'text/csv' | 'text/html' | 'text/markdown' | 'application/json';
  description: string;
}

export interface Operation {
  /** Unique, camelCase: the OpenAPI operationId. */
  id: string;
  method: 'get' | 'post' | 'put' | 'delete';
  /** The full path, OpenAPI style: `/api/v1/incidents/{id}`. */
  path: string;
  summary: string;
  access: Access;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** The success status and its body: a schema for JSON, or a document. */
  status: 200 | 201;
  response: z.ZodType | Document;
  /** Error statuses beyond the access checks' 401 and 403, each with the codes it may carry. */
  errors: Partial<Record<400 | 404 | 409 | 410 | 413 | 415 | 503, readonly ErrorCode[]>>;
}

/** A path id (`{id}`): canonical decimal only; any other spelling is 404. */
export const pathId = z.string().regex(ID_TEXT);

const csv = (description: string): Document => ({ mediaType: 'text/csv', description });
const html = (description: string): Document => ({ mediaType: 'text/html', description });
const invalid = { 400: ['invalid_request'] } as const;
const notFound = { 404: ['not_found'] } as const;
const jsonBody = {
  400: ['invalid_request', 'invalid_json', 'invalid_utf8', 'invalid_encoding'],
  413: ['too_large'],
  415: ['unsupported_media_type'],
} as const;

const transition = (kind: 'acknowledge' | 'resolve' | 'reopen', summary: string): Operation => ({
  id: `${kind}Incident`,
  method: 'post',
  path: `/api/v1/incidents/{id}/${kind}`,
  summary,
  access: 'responder',
  body: transitionBody,
  status: 200,
  response: incidentDetail,
  errors: { ...jsonBody, ...notFound, 409: ['invalid_transition'] },
});

/** Every operation of the API, in the order the OpenAPI document and the README list them. */
const DEFINED: Operation[] = [
  {
    id: 'receiveAlerts',
    method: 'post',
    path: '/api/v1/alertmanager',
    summary: "Alertmanager's webhook: the delivery is stored durably, then merged into incidents",
    access: 'webhook',
    body: webhookPayload,
    status: 200,
    response: webhookAccepted,
    errors: {
      400: ['invalid_json', 'invalid_payload', 'invalid_utf8', 'invalid_encoding'],
      413: ['too_large'],
      415: ['unsupported_media_type'],
    },
  },
  {
    id: 'listIncidents',
    method: 'get',
    path: '/api/v1/incidents',
    summary: 'Incidents, newest first, filtered; a page at a time (cursor)',
    access: 'viewer',
    query: incidentListQuery,
    status: 200,
    response: incidentPage,
    errors: invalid,
  },
  {
    id: 'exportIncidents',
    method: 'get',
    path: '/api/v1/incidents.csv',
    summary: 'The incident list as CSV, with the same filters (newest first, at most 10000 rows)',
    access: 'viewer',
    query: incidentFilters,
    status: 200,
    response: csv('one incident a row, with a header row (RFC 4180)'),
    errors: invalid,
  },
  {
    id: 'getIncident',
    method: 'get',
    path: '/api/v1/incidents/{id}',
    summary: 'One incident with its alerts and timeline',
    access: 'viewer',
    status: 200,
    response: incidentDetail,
    errors: notFound,
  },
  transition('acknowledge', 'Acknowledge: stops escalation'),
  transition('resolve', 'Resolve'),
  transition('reopen', 'Reopen a resolved incident'),
  {
    id: 'addIncidentNote',
    method: 'post',
    path: '/api/v1/incidents/{id}/notes',
    summary: "Add a note to the incident's timeline",
    access: 'responder',
    body: noteBody,
    status: 200,
    response: incidentDetail,
    errors: { ...jsonBody, ...notFound },
  },
  {
    id: 'assignIncident',
    method: 'post',
    path: '/api/v1/incidents/{id}/assign',
    summary: 'Assign the incident to someone (null: unassign)',
    access: 'responder',
    body: assignBody,
    status: 200,
    response: incidentDetail,
    errors: { ...jsonBody, ...notFound },
  },
  {
    id: 'listIncidentNotifications',
    method: 'get',
    path: '/api/v1/incidents/{id}/notifications',
    summary: "The incident's notifications and their delivery attempts",
    access: 'viewer',
    status: 200,
    response: notificationList,
    errors: notFound,
  },
  {
    id: 'getPostmortem',
    method: 'get',
    path: '/api/v1/incidents/{id}/postmortem',
    summary: "The incident's postmortem (404 until one is written)",
    access: 'viewer',
    status: 200,
    response: postmortem,
    errors: notFound,
  },
  {
    id: 'putPostmortem',
    method: 'put',
    path: '/api/v1/incidents/{id}/postmortem',
    summary: "Write the incident's postmortem, whole (creates it the first time)",
    access: 'responder',
    body: postmortemBody,
    status: 200,
    response: postmortem,
    errors: { ...jsonBody, ...notFound },
  },
  {
    id: 'exportPostmortem',
    method: 'get',
    path: '/api/v1/incidents/{id}/postmortem.md',
    summary: "The incident's postmortem as a Markdown document",
    access: 'viewer',
    status: 200,
    response: {
      mediaType: 'text/markdown',
      description: 'summary, impact, root cause, timeline excerpt and action items (CommonMark)',
    },
    errors: notFound,
  },
  {
    id: 'getOnCall',
    method: 'get',
    path: '/api/v1/oncall',
    summary: 'Who is on call per schedule, now or at `at`, and who comes next',
    access: 'viewer',
    query: onCallQuery,
    status: 200,
    response: onCallResponse,
    errors: { ...invalid, ...notFound },
  },
  {
    id: 'listMaintenanceWindows',
    method: 'get',
    path: '/api/v1/maintenance',
    summary: 'Maintenance windows not yet over: upcoming and active',
    access: 'viewer',
    status: 200,
    response: maintenanceList,
    errors: {},
  },
  {
    id: 'createMaintenanceWindow',
    method: 'post',
    path: '/api/v1/maintenance',
    summary: 'Create a maintenance window',
    access: 'responder',
    body: createMaintenanceBody,
    status: 201,
    response: maintenanceWindow,
    errors: jsonBody,
  },
  {
    id: 'getMaintenanceWindow',
    method: 'get',
    path: '/api/v1/maintenance/{id}',
    summary: 'One maintenance window',
    access: 'viewer',
    status: 200,
    response: maintenanceWindow,
    errors: notFound,
  },
  {
    id: 'deleteMaintenanceWindow',
    method: 'delete',
    path: '/api/v1/maintenance/{id}',
    summary: 'End (delete) a maintenance window made through the API',
    access: 'responder',
    status: 200,
    response: maintenanceWindow,
    errors: { ...notFound, 409: ['defined_in_config'] },
  },
  {
    id: 'getSlaReport',
    method: 'get',
    path: '/api/v1/reports/sla',
    summary:
      'SLA figures, SLO error budget consumed and the comparison with the previous period, for a range (default: the last 7 days)',
    access: 'viewer',
    query: slaQuery,
    status: 200,
    response: slaReport,
    errors: invalid,
  },
  {
    id: 'exportSlaReport',
    method: 'get',
    path: '/api/v1/reports/sla.csv',
    summary:
      'The SLA report as CSV: totals, one row a day, a severity target, a noisy alert, an SLO, then the comparison with the previous period',
    access: 'viewer',
    query: slaQuery,
    status: 200,
    response: csv('sections of rows with a header row each (RFC 4180)'),
    errors: invalid,
  },
  {
    id: 'listAuditLog',
    method: 'get',
    path: '/api/v1/audit',
    summary: 'The audit log, newest first, filtered; a page at a time (cursor)',
    access: 'admin',
    query: auditQuery,
    status: 200,
    response: auditPage,
    errors: invalid,
  },
  {
    id: 'listUsers',
    method: 'get',
    path: '/api/v1/users',
    summary: 'The Vigil users of the configuration (who may own action items, be notified, be on call)',
    access: 'viewer',
    status: 200,
    response: userList,
    errors: {},
  },
  {
    id: 'whoami',
    method: 'get',
    path: '/api/v1/whoami',
    summary: "The calling token's name and role",
    access: 'viewer',
    status: 200,
    response: caller,
    errors: {},
  },
  {
    id: 'getOpenApi',
    method: 'get',
    path: '/api/v1/openapi.json',
    summary: 'This document',
    access: 'public',
    status: 200,
    response: { mediaType: 'application/json', description: 'the OpenAPI 3.1 document' },
    errors: {},
  },
  {
    id: 'showAckPage',
    method: 'get',
    path: '/api/v1/ack/{token}',
    summary:
      "A notification's acknowledge link: the incident's status and an Acknowledge button (changes nothing)",
    access: 'signed-link',
    status: 200,
    response: html('the page'),
    errors: { 404: [], 410: [] },
  },
  {
    id: 'acknowledgeByLink',
    method: 'post',
    path: '/api/v1/ack/{token}',
    summary: "The acknowledge link's button",
    access: 'signed-link',
    status: 200,
    response: html('the outcome'),
    errors: { 404: [], 409: [], 410: [] },
  },
  {
    id: 'showIncidentByLink',
    method: 'get',
    path: '/api/v1/view/{token}',
    summary: "A notification's incident link: the incident, read-only",
    access: 'signed-link',
    status: 200,
    response: html('the incident'),
    errors: { 404: [], 410: [] },
  },
];

/**
 * Every operation but the public document reads the database: busy (SQLite's lock) or unreachable
 * (PostgreSQL), it answers 503 `unavailable` with Retry-After, as the webhook does.
 */
export const OPERATIONS: Operation[] = DEFINED.map((op) =>
  op.access === 'public' ? op : { ...op, errors: { ...op.errors, 503: ['unavailable'] } },
);

export function isDocument(response: z.ZodType | Document): response is Document {
  return !(response instanceof z.ZodType);
}

/** The operation answering METHOD and a concrete path (`/api/v1/incidents/42`), if any. */
export function findOperation(method: string, path: string): Operation | undefined {
  return OPERATIONS.find(
    (op) =>
      op.method === method.toLowerCase() &&
      new RegExp(`^${op.path.replace(/[.]/g, '\\.').replace(/\{[a-z_]+\}/g, '[^/]+')}$`).test(path),
  );
}
