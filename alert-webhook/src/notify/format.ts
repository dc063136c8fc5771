import type { IncidentStatus } from '../db/schema';
import type { AlertDetail, IncidentMessage } from './message';

/** Channels list at most this many alerts; a storm of alerts in one incident must not become a novel. */
const MAX_ALERTS_SHOWN = 10;

const SEVERITY_COLOURS: Record<string, string> = {
  critical: '#E01E5A',
  warning: '#ECB22E',
  info: '#36C5F0',
};
const RESOLVED_COLOUR = '#2EB67D';
const OTHER_COLOUR = '#9E9EA6';

/**
 * At most `max` characters as the APIs count them (UTF-16 code units), ending in "…" when cut, and never
 * half of a character outside the BMP (an emoji), which APIs refuse or show as garbage.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = max - 1;
  const last = text.charCodeAt(end - 1);
  return `${text.slice(0, last >= 0xd800 && last <= 0xdbff ? end - 1 : end)}…`;
}

export function colourOf(message: IncidentMessage): string {
  if (message.status === 'resolved') return RESOLVED_COLOUR;
  return SEVERITY_COLOURS[message.severity] ?? OTHER_COLOUR;
}

const STATUS_LABELS: Record<IncidentStatus, string> = {
  triggered: 'Triggered',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
};

function serviceOf(message: IncidentMessage): string {
  return message.service ?? 'unknown service';
}

/** "[CRITICAL] checkout: High error rate", prefixed by the status once it is no longer triggered. */
export function headline(message: IncidentMessage): string {
  const status = message.status === 'triggered' ? '' : `[${message.status.toUpperCase()}] `;
  const text = `${status}[${message.severity.toUpperCase()}] ${serviceOf(message)}: ${message.title}`;
  // Subjects and card titles are single lines; a multi-line title would break headers and layouts.
  return text.replace(/\s+/g, ' ').trim();
}

export function alertSummary(alert: AlertDetail): string {
  return alert.annotations.summary ?? alert.annotations.description ?? alert.labels.alertname ?? 'alert';
}

export type Fact = [name: string, value: string];

export function incidentFacts(message: IncidentMessage): Fact[] {
  return [
    ['Status', STATUS_LABELS[message.status]],
    ['Severity', message.severity],
    ['Service', serviceOf(message)],
    ['Team', message.team ?? '-'],
  ];
}

/** Whether to offer the acknowledge link: only while triggered, and only when ack links are configured. */
export function offersAck(message: IncidentMessage): boolean {
  return message.status === 'triggered' && message.ackUrl !== '';
}

/** What channels show under an alert's summary: when it started, its anomaly score, the other annotations. */
export function alertFacts(alert: AlertDetail): Fact[] {
  const summary = alertSummary(alert);
  const facts: Fact[] = [['Since', alert.startsAt]];
  if (alert.anomalyScore !== undefined) facts.push(['Anomaly score', String(alert.anomalyScore)]);
  return facts.concat(Object.entries(alert.annotations).filter(([, value]) => value !== summary));
}

export function shownAlerts(message: IncidentMessage): { shown: AlertDetail[]; hidden: number } {
  const shown = message.alerts.slice(0, MAX_ALERTS_SHOWN);
  return { shown, hidden: message.alerts.length - shown.length };
}
