import type { Response } from 'express';
import type { Db } from '../db/database';
import type { IncidentDetail } from '@vigil/api-contract';
import { getIncident } from '../incidents/repository';
import { verifyViewToken } from '../notify/links';
import { escapeHtml, htmlPage } from './html';
import { presentIncidentDetail } from './presenters';

/** A page lists at most this many alerts: an incident of a storm must not become a novel. */
const MAX_ALERTS = 100;

/** `2026-11-22 10:00:00 UTC` from the stored ISO-8601 UTC timestamps. */
function when(iso: string | null | undefined): string {
  if (!iso) return '';
  const match = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
}

/** Annotation values that are exactly an http(s) URL (runbooks, dashboards) become links; nothing else. */
function valueHtml(value: string): string {
  if (/^https?:\/\/[^\s]+$/i.test(value)) {
    try {
      const url = new URL(value);
      if (url.protocol === 'http:' || url.protocol === 'https:')
        return `<a href="${escapeHtml(url.href)}" rel="noopener noreferrer">${escapeHtml(value)}</a>`;
    } catch {
      // not a URL after all: shown as text
    }
  }
  return escapeHtml(value);
}

const cell = 'style="text-align:left;vertical-align:top;padding:2px 12px 2px 0"';

function table(rows: [string, string][]): string {
  const body = rows
    .map(([name, html]) => `<tr><th ${cell}>${escapeHtml(name)}</th><td ${cell}>${html}</td></tr>`)
    .join('');
  return `<table style="border-collapse:collapse">${body}</table>`;
}

function pairs(record: Record<string, string>): [string, string][] {
  return Object.entries(record).map(([k, v]) => [k, valueHtml(v)]);
}

function by(at: string | null, who: string | null): string {
  if (!at) return '';
  return escapeHtml(who ? `${when(at)} by ${who}` : when(at));
}

/** The incident as HTML: its facts, alerts with labels and annotations, and timeline; every value escaped. */
export function renderIncident(incident: IncidentDetail, expiresAt: Date): string {
  const facts: [string, string][] = [
    ['Status', `<strong>${escapeHtml(incident.status)}</strong>`],
    ['Severity', escapeHtml(incident.severity)],
    ['Service', escapeHtml(incident.service ?? '-')],
    ['Team', escapeHtml(incident.team ?? '-')],
    ['Opened', escapeHtml(when(incident.opened_at))],
    ['Acknowledged', by(incident.acknowledged_at, incident.acknowledged_by) || '-'],
    ['Resolved', by(incident.resolved_at, incident.resolved_by) || '-'],
  ];
  if (incident.component) facts.splice(4, 0, ['Component', escapeHtml(incident.component)]);
  if (incident.assignee) facts.push(['Assignee', escapeHtml(incident.assignee)]);
  if (incident.flapping_since) facts.push(['Flapping since', escapeHtml(when(incident.flapping_since))]);

  const shown = incident.alerts.slice(0, MAX_ALERTS);
  const alerts = shown
    .map((a) => {
      const summary = a.annotations.summary ?? a.labels.alertname ?? 'alert';
      const times: [string, string][] = [
        ['Status', escapeHtml(a.status)],
        ['Since', escapeHtml(when(a.starts_at))],
        ...(a.ends_at && a.status === 'resolved'
          ? [['Until', escapeHtml(when(a.ends_at))] as [string, string]]
          : []),
      ];
      return (
        `<h3>${escapeHtml(summary)}</h3>${table(times)}` +
        `<h4>Labels</h4>${table(pairs(a.labels))}<h4>Annotations</h4>${table(pairs(a.annotations))}`
      );
    })
    .join('');
  const more = incident.alerts.length - shown.length;
  const timeline = incident.timeline
    .map(
      (t) =>
        `<tr><td ${cell}>${escapeHtml(when(t.at))}</td><td ${cell}>${escapeHtml(t.kind)}</td>` +
        `<td ${cell}>${escapeHtml(t.actor)}</td><td ${cell}>${escapeHtml(t.message)}</td></tr>`,
    )
    .join('');
  return [
    table(facts),
    `<h2>Alerts (${incident.alerts.length})</h2>`,
    alerts,
    more > 0 ? `<p>&hellip; and ${more} more</p>` : '',
    '<h2>Timeline</h2>',
    `<table style="border-collapse:collapse"><tr><th ${cell}>At</th><th ${cell}>What</th><th ${cell}>Who</th>` +
      `<th ${cell}>Details</th></tr>${timeline}</table>`,
    `<p style="color:#666">Read-only; this link works until ${escapeHtml(when(expiresAt.toISOString()))}. ` +
      'Act on the incident in Grafana or through the REST API.</p>',
  ].join('\n');
}

/**
 * GET /api/v1/view/<token>: the incident the signed link is for, read-only. A token not signed by this
 * receiver for an incident page (an acknowledge link's included) is refused with 403, an expired one with 410.
 */
export async function showIncidentPage(db: Db, secret: string, token: string, res: Response): Promise<void> {
  const check = verifyViewToken(secret, token);
  if (!check.ok) {
    if (check.reason === 'expired')
      return htmlPage(
        res,
        410,
        'This link has expired',
        '<p>Open the incident in Grafana or through the REST API.</p>',
      );
    return htmlPage(res, 403, 'This link is not valid', '<p>It was changed or not issued by this Vigil.</p>');
  }
  const found = await getIncident(db, check.incidentId);
  if (!found) return htmlPage(res, 404, `Incident ${check.incidentId} does not exist`, '');
  const incident = presentIncidentDetail(found);
  htmlPage(
    res,
    200,
    `Incident #${incident.id}: ${incident.title}`,
    renderIncident(incident, check.expiresAt),
  );
}
