import type { Db } from '../db/database';
import { incidentUrl, incidentsUrl, type LinkSettings } from '../dispatch/message';
import { highestSeverity } from '../incidents/rules';
import type { IncidentMessage } from '../notify/message';

/**
 * A storm digest as an ordinary message, so every channel renders it as it renders an incident: the title
 * says how many incidents and which team, and each incident is listed in place of an alert (number,
 * status, title, link). No acknowledge link: each incident is acknowledged on its own.
 */
export async function buildDigestMessage(
  db: Db,
  digestId: number,
  links: LinkSettings,
): Promise<IncidentMessage> {
  const rows = await db
    .selectFrom('notifications as n')
    .innerJoin('incidents as i', 'i.id', 'n.incident_id')
    .select(['i.id', 'i.status', 'i.severity', 'i.service', 'i.team', 'i.title', 'i.opened_at'])
    .where('n.digest_id', '=', digestId)
    .orderBy('i.id')
    .execute();
  // One incident may have several notifications in the digest (opened, escalated, resolved): list it once.
  const incidents = [...new Map(rows.map((r) => [r.id, r])).values()];
  const first = incidents[0];
  if (!first) throw new Error(`digest ${digestId} carries no notifications`);
  const services = [...new Set(incidents.map((i) => i.service ?? 'unknown service'))];
  const team = first.team;
  const count = `${incidents.length} incident${incidents.length > 1 ? 's' : ''}`;
  return {
    incidentId: first.id,
    status: incidents.every((i) => i.status === 'resolved') ? 'resolved' : 'triggered',
    severity: highestSeverity(incidents.map((i) => i.severity)),
    service: services.length === 1 ? (services[0] as string) : `${services.length} services`,
    team,
    title: `Alert storm: ${count} for team ${team ?? '(none)'}`,
    alerts: incidents.map((i) => {
      const url = incidentUrl(links, i.id);
      return {
        labels: {
          incident: String(i.id),
          severity: i.severity,
          ...(i.service ? { service: i.service } : {}),
        },
        annotations: { summary: `#${i.id} [${i.status}] ${i.title}`, ...(url ? { incident_url: url } : {}) },
        startsAt: i.opened_at,
      };
    }),
    incidentUrl: incidentsUrl(links, team ? `?team=${encodeURIComponent(team)}` : ''),
    ackUrl: '',
  };
}
