import { z } from 'zod';
import type { HttpClientSettings } from '@vigil/service-kit';
import { SEVERITY_ORDER } from '../../incidents/rules';
import { httpUrl } from '@vigil/service-kit';
import { httpConfig, resolveHttp, timeout } from '../common-config';

export const jiraSchema = z.strictObject({
  kind: z.literal('jira'),
  // The Jira site, e.g. https://example.atlassian.net; credentials go in http_config (basic_auth with an
  // API token on Jira Cloud, authorization with a personal access token on Jira Data Center).
  url: httpUrl,
  // REST API v3 (Jira Cloud: text as Atlassian Document Format) or v2 (plain text; Data Center).
  api_version: z.union([z.literal(2), z.literal(3)], { error: 'must be 2 or 3' }).default(3),
  project: z.string().regex(/^[A-Z][A-Z0-9_]+$/, 'a Jira project key, such as OPS'),
  issue_type: z.string().min(1).default('Task'),
  // Incidents at or above this severity get a ticket (critical, error, warning, info).
  min_severity: z.enum(SEVERITY_ORDER).default('critical'),
  // The transition that closes the ticket when the incident resolves (its name, any case).
  resolve_transition: z.string().min(1).default('Done'),
  labels: z.array(z.string().regex(/^\S+$/, 'no spaces')).default([]),
  timeout,
  http_config: httpConfig,
});

export interface JiraSettings {
  kind: 'jira';
  url: string;
  apiVersion: 2 | 3;
  project: string;
  issueType: string;
  minSeverity: (typeof SEVERITY_ORDER)[number];
  resolveTransition: string;
  labels: string[];
  http: HttpClientSettings;
}

export function resolveJira(
  channel: z.output<typeof jiraSchema>,
  where: readonly PropertyKey[],
  env: NodeJS.ProcessEnv,
): JiraSettings {
  return {
    kind: 'jira',
    url: channel.url.replace(/\/+$/, ''),
    apiVersion: channel.api_version,
    project: channel.project,
    issueType: channel.issue_type,
    minSeverity: channel.min_severity,
    resolveTransition: channel.resolve_transition,
    labels: channel.labels,
    http: resolveHttp(channel, where, env),
  };
}
