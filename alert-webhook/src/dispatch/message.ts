import type { Db } from '../db/database';
import type { IncidentMessage } from '../notify/message';
import { ackUrl } from '../notify/links';

export interface LinkSettings {
  /** Where the receiver is reachable for people (ack links); no links without it. */
  publicUrl?: string;
  /** Grafana's URL, for the incident page in the incidents app. */
  grafanaUrl?: string;
  ackLinks?: { secret: string; ttlMs: number };
}

const parseRecord = (text: string) => JSON.parse(text) as Record<string, string>;

/** A page of the Grafana incidents app (the REST API without Grafana): `path` is '' for the list, `/<id>` for one. */
export function incidentsUrl(links: LinkSettings, path: string): string {
  const { grafanaUrl, publicUrl } = links;
  return grafanaUrl
    ? `${grafanaUrl.replace(/\/+$/, '')}/a/vigil-incidents-app/incidents${path}`
    : `${(publicUrl ?? '').replace(/\/+$/, '')}/api/v1/incidents${path}`;
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
  return {
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
    incidentUrl: incidentsUrl(links, `/${incidentId}`),
    ackUrl: publicUrl && ackLinks ? ackUrl(publicUrl, ackLinks.secret, incidentId, ackLinks.ttlMs) : '',
  };
}
