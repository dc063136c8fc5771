import type { Db } from '../db/database';
import type { IncidentMessage } from '../notify/message';
import { ackUrl, viewUrl } from '../notify/links';
import { incidentTickets } from '../incidents/repository';

export interface LinkSettings {
  /** Where the receiver is reachable for people (ack links); no links without it. */
  publicUrl?: string;
  /** Grafana's URL, for the incident page in the incidents app. */
  grafanaUrl?: string;
  /** The key and lifetime of signed links: acknowledge pages, and incident pages when there is no Grafana. */
  ackLinks?: { secret: string; ttlMs: number };
}

const parseRecord = (text: string) => JSON.parse(text) as Record<string, string>;

/**
 * A page of the Grafana incidents app, `path` being '' for the list or a query; without Grafana the REST
 * API's list under the public URL; '' (no link) without either.
 */
export function incidentsUrl(links: LinkSettings, path: string): string {
  const { grafanaUrl, publicUrl } = links;
  if (grafanaUrl) return `${grafanaUrl.replace(/\/+$/, '')}/a/vigil-incidents-app/incidents${path}`;
  return publicUrl ? `${publicUrl.replace(/\/+$/, '')}/api/v1/incidents${path}` : '';
}

/**
 * Where "View incident" points: the incident in Grafana's incidents app; without Grafana, the receiver's
 * signed, read-only incident page (public URL and ack links configured); else the REST API's JSON (which
 * needs an API token); '' (no link at all) without a public URL.
 */
export function incidentUrl(links: LinkSettings, incidentId: number, nowMs = Date.now()): string {
  const { grafanaUrl, publicUrl, ackLinks } = links;
  if (grafanaUrl) return incidentsUrl(links, `/${incidentId}`);
  if (publicUrl && ackLinks) return viewUrl(publicUrl, ackLinks.secret, incidentId, ackLinks.ttlMs, nowMs);
  return incidentsUrl(links, `/${incidentId}`);
}

/** The message channels render, from the incident as it is when the notification goes out. */
export async function buildMessage(
  db: Db,
  incidentId: number,
  links: LinkSettings,
): Promise<IncidentMessage> {
  const incident = await db
    .selectFrom('incidents')
    .selectAll()
    .where('id', '=', incidentId)
    .executeTakeFirstOrThrow();
  const alerts = await db
    .selectFrom('alerts')
    .select(['labels', 'annotations', 'starts_at'])
    .where('incident_id', '=', incidentId)
    .orderBy('id')
    .execute();
  const { publicUrl, ackLinks } = links;
  const tickets = await incidentTickets(db, incidentId);
  return {
    ...(tickets.length > 0 && { tickets }),
    incidentId,
    status: incident.status,
    severity: incident.severity,
    service: incident.service,
    team: incident.team,
    title: incident.title,
    alerts: alerts.map((a) => {
      const annotations = parseRecord(a.annotations);
      const score = Number(annotations.anomaly_score);
      return {
        labels: parseRecord(a.labels),
        annotations,
        startsAt: a.starts_at,
        ...(annotations.anomaly_score !== undefined && Number.isFinite(score) ? { anomalyScore: score } : {}),
      };
    }),
    ...(incident.status === 'acknowledged' &&
      incident.acknowledged_by && { actor: incident.acknowledged_by }),
    ...(incident.status === 'resolved' && incident.resolved_by && { actor: incident.resolved_by }),
    incidentUrl: incidentUrl(links, incidentId),
    ackUrl: publicUrl && ackLinks ? ackUrl(publicUrl, ackLinks.secret, incidentId, ackLinks.ttlMs) : '',
  };
}

/** A timeline entry, as a `timeline` notification tells of it. */
export async function timelineEntry(db: Db, id: number) {
  return db
    .selectFrom('timeline')
    .select(['kind', 'actor', 'message'])
    .where('id', '=', id)
    .executeTakeFirst();
}
