import { HttpClient, type HttpResponse } from '@vigil/service-kit';
import type { Db } from '../../db/database';
import { severityRank } from '../../incidents/rules';
import { alertSummary, headline, incidentFacts, shownAlerts, truncate } from '../format';
import { outcomeOf, send } from '../http';
import type { DeliveryOutcome, IncidentMessage, NotificationChannel } from '../message';
import type { JiraSettings } from './config';
import { incidentClaims } from '../claim';

/** The requests an attempt makes while it holds a ticket's claim: a search (and its 410 fallback), the create. */
const CLAIMED_REQUESTS = 3;

/** The label that finds an incident's ticket again, should its key never have been stored. */
export const incidentLabel = (incidentId: number) => `vigil-incident-${incidentId}`;

/** Text as the API version wants it: a string (v2) or an Atlassian Document (v3). */
function text(settings: JiraSettings, lines: string[]) {
  if (settings.apiVersion === 2) return lines.join('\n');
  return {
    type: 'doc',
    version: 1,
    content: lines.map((line) => ({
      type: 'paragraph',
      content: line === '' ? [] : [{ type: 'text', text: line }],
    })),
  };
}

function description(message: IncidentMessage): string[] {
  const { shown, hidden } = shownAlerts(message);
  return [
    ...incidentFacts(message).map(([name, value]) => `${name}: ${value}`),
    ...(message.incidentUrl ? [`Incident: ${message.incidentUrl}`] : []),
    '',
    ...shown.map((a) => `* ${alertSummary(a)}`),
    ...(hidden > 0 ? [`... and ${hidden} more`] : []),
  ];
}

/** Jira's errors: `{errorMessages: [...], errors: {field: message}}`. */
function readJira(response: HttpResponse): DeliveryOutcome & { json?: Record<string, unknown> } {
  const outcome = outcomeOf(response);
  let json: Record<string, unknown> | undefined;
  try {
    json = response.text ? (JSON.parse(response.text) as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  if (outcome.ok) return { ...outcome, ...(json && { json }) };
  const messages = [
    ...((json?.errorMessages as string[] | undefined) ?? []),
    ...Object.entries((json?.errors as Record<string, string> | undefined) ?? {}).map(
      ([k, v]) => `${k}: ${v}`,
    ),
  ];
  return messages.length > 0
    ? { ...outcome, error: `HTTP ${response.status}: ${messages.join('; ')}` }
    : outcome;
}

/**
 * Jira tickets (REST API v2 or v3): an incident at or above min_severity that opens gets an issue, whose key
 * and link are stored on the incident; its acknowledgement is a comment, its resolution a comment and the
 * resolve transition. Never two issues per incident: the row in `tickets` is claimed before the issue is
 * created (so a second replica waits), and released when Jira refuses; a claim left by an attempt that got
 * no answer (the same notification's retry) or by a crash (once stale) is settled by looking the issue up by
 * its label before creating one.
 */
export function createJiraChannel(name: string, settings: JiraSettings, db: Db): NotificationChannel {
  const client = new HttpClient(settings.http);
  const api = `${settings.url}/rest/api/${settings.apiVersion}`;
  const call = (method: string, path: string, body?: unknown) =>
    send(
      client,
      `${api}${path}`,
      {
        method,
        ...(body !== undefined && { body: JSON.stringify(body) }),
        headers: { 'content-type': 'application/json', accept: 'application/json' },
      },
      readJira,
    ) as Promise<DeliveryOutcome & { json?: Record<string, unknown> }>;
  const tickets = incidentClaims(db, name, {
    table: 'tickets',
    ref: 'key',
    claimedAt: 'created_at',
    columns: { url: null },
    requests: CLAIMED_REQUESTS,
    timeoutMs: settings.http.timeoutMs,
  });
  const store = (incidentId: number, key: string) =>
    tickets.save(incidentId, key, { url: `${settings.url}/browse/${key}` });

  /**
   * The incident's issue by its label. Jira Cloud searches at /search/jql, having removed /search (410 Gone,
   * CHANGE-2046); Data Center has only /search, and API v3 only Cloud.
   */
  async function search(incidentId: number) {
    const query = {
      jql: `project = "${settings.project}" AND labels = "${incidentLabel(incidentId)}"`,
      fields: ['key'],
      maxResults: 1,
    };
    if (settings.apiVersion === 3) return call('POST', '/search/jql', query);
    const found = await call('POST', '/search', query);
    return found.status === 410 ? call('POST', '/search/jql', query) : found;
  }

  async function open(message: IncidentMessage): Promise<DeliveryOutcome> {
    const claim = await tickets.claim(message.incidentId, message.notificationId);
    if (claim.state === 'saved') return { ok: true };
    if (claim.state === 'busy')
      return { ok: false, code: 'ECLAIMED', error: 'another attempt is creating this ticket' };
    if (claim.state === 'orphaned') {
      // The attempt before may have created the issue and not lived (or waited) to store its key.
      const found = await search(message.incidentId);
      if (!found.ok) return found;
      const existing = (found.json?.issues as { key: string }[] | undefined)?.[0]?.key;
      if (existing) {
        await store(message.incidentId, existing);
        return { ok: true, status: found.status };
      }
    }
    const created = await call('POST', '/issue', {
      fields: {
        project: { key: settings.project },
        issuetype: { name: settings.issueType },
        summary: truncate(headline(message), 255),
        description: text(settings, description(message)),
        labels: [...settings.labels, incidentLabel(message.incidentId)],
      },
    });
    if (!created.ok) {
      // Jira answered, and refused: no issue was made, so the next attempt (of any replica) need not look.
      if (created.status !== undefined) await tickets.release(message.incidentId);
      return created;
    }
    await store(message.incidentId, String(created.json?.key));
    return { ok: true, status: created.status };
  }

  async function comment(key: string, line: string) {
    return call('POST', `/issue/${encodeURIComponent(key)}/comment`, { body: text(settings, [line]) });
  }

  /**
   * The resolve transition, then the comment: a retry after a failed transition posts no second comment, and
   * one after a failed comment finds the issue done and comments (Jira takes comments on done issues unless
   * a workflow denies them).
   */
  async function close(key: string, message: IncidentMessage): Promise<DeliveryOutcome> {
    const listed = await call('GET', `/issue/${encodeURIComponent(key)}/transitions`);
    if (!listed.ok) return listed;
    const transitions = (listed.json?.transitions as { id: string; name: string }[] | undefined) ?? [];
    const wanted = transitions.find((t) => t.name.toLowerCase() === settings.resolveTransition.toLowerCase());
    const moved = wanted
      ? await call('POST', `/issue/${encodeURIComponent(key)}/transitions`, { transition: { id: wanted.id } })
      : await alreadyDone(key, transitions);
    if (!moved.ok) return moved;
    return comment(key, `Resolved in Vigil${message.actor ? ` by ${message.actor}` : ''}.`);
  }

  /**
   * The resolve transition is not offered from the issue's status: fine when the issue is done already
   * (closed by hand); else (a typo, a workflow without it) the ticket would stay open with nobody told.
   */
  async function alreadyDone(key: string, offered: { name: string }[]): Promise<DeliveryOutcome> {
    const issue = await call('GET', `/issue/${encodeURIComponent(key)}?fields=status`);
    if (!issue.ok) return issue;
    const status = (issue.json?.fields as { status?: { name?: string; statusCategory?: { key?: string } } })
      ?.status;
    if (status?.statusCategory?.key === 'done') return { ok: true, status: issue.status };
    const names = offered.map((t) => `"${t.name}"`).join(', ') || 'none';
    return {
      ok: false,
      permanent: true,
      error: `resolve_transition "${settings.resolveTransition}" is not offered for ${key} in status "${status?.name ?? '?'}" (offered: ${names})`,
    };
  }

  return {
    name,
    kind: 'jira',
    target: `${new URL(settings.url).host}/${settings.project}`,
    events: ['triggered', 'acknowledged', 'resolved'],
    async send(message) {
      if (severityRank(message.severity) > severityRank(settings.minSeverity)) return { ok: true };
      if (message.status === 'triggered') return open(message);
      const key = await tickets.saved(message.incidentId);
      // No ticket (opened before this channel existed, or never created): nothing to follow up.
      if (!key) return { ok: true };
      if (message.status === 'acknowledged')
        return comment(key, `Acknowledged in Vigil${message.actor ? ` by ${message.actor}` : ''}.`);
      return close(key, message);
    },
  };
}
