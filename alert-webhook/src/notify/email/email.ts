import nodemailer, { type NodemailerError } from 'nodemailer';
import type { EmailSettings } from './config';
import {
  alertFacts,
  alertSummary,
  colourOf,
  headline,
  incidentFacts,
  offersAck,
  shownAlerts,
  type Fact,
} from '../format';
import type { AlertDetail, DeliveryOutcome, IncidentMessage, NotificationChannel } from '../message';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Alert text comes from rule annotations and labels: it is data, never markup. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/** An alert's facts, then its labels, which mail (unlike chat) has the room to show. */
function alertRows(alert: AlertDetail): Fact[] {
  const labels = Object.entries(alert.labels).map(([name, value]) => `${name}=${value}`);
  return [...alertFacts(alert), ['Labels', labels.join(', ')]];
}

function renderText(message: IncidentMessage): string {
  const { shown, hidden } = shownAlerts(message);
  const line = ([name, value]: Fact) => `${name}: ${value}`;
  const lines = [headline(message), '', ...incidentFacts(message).map(line), ''];
  if (message.incidentUrl) lines.push(`Incident: ${message.incidentUrl}`);
  if (offersAck(message)) lines.push(`Acknowledge: ${message.ackUrl}`);
  for (const t of message.tickets ?? []) lines.push(`Ticket: ${t.key} ${t.url}`);
  lines.push('', `Alerts (${message.alerts.length}):`);
  for (const alert of shown) {
    lines.push('', `* ${alertSummary(alert)}`, ...alertRows(alert).map((fact) => `  ${line(fact)}`));
  }
  if (hidden > 0) lines.push('', `... and ${hidden} more`);
  return `${lines.join('\n')}\n`;
}

function renderHtml(message: IncidentMessage): string {
  const { shown, hidden } = shownAlerts(message);
  const table = (facts: Fact[]) =>
    `<table>${facts
      .map(
        ([name, value]) => `<tr><th align="left">${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`,
      )
      .join('')}</table>`;
  const links: string[] = [];
  if (message.incidentUrl) links.push(`<a href="${escapeHtml(message.incidentUrl)}">View incident</a>`);
  if (offersAck(message)) links.push(`<a href="${escapeHtml(message.ackUrl)}">Acknowledge</a>`);
  for (const t of message.tickets ?? [])
    links.push(`<a href="${escapeHtml(t.url)}">Ticket ${escapeHtml(t.key)}</a>`);
  const alerts = shown
    .map((alert) => `<h3>${escapeHtml(alertSummary(alert))}</h3>${table(alertRows(alert))}`)
    .join('');
  return [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<div style="border-left:6px solid ${colourOf(message)};padding-left:12px">`,
    `<h2>${escapeHtml(headline(message))}</h2>`,
    table(incidentFacts(message)),
    links.length > 0 ? `<p>${links.join(' &middot; ')}</p>` : '',
    `<h3>Alerts (${message.alerts.length})</h3>`,
    alerts,
    hidden > 0 ? `<p>&hellip; and ${hidden} more</p>` : '',
    '</div></body></html>',
  ].join('\n');
}

export interface Mail {
  subject: string;
  text: string;
  html: string;
}

/** Sends mail to a channel's recipients over its SMTP settings: incident notifications and scheduled reports. */
export function createMailer(settings: EmailSettings): (mail: Mail) => Promise<DeliveryOutcome> {
  const { smtp, timeoutMs } = settings;
  // Pooled, so that a burst of notifications shares a few connections instead of opening one per message;
  // a connection idle for a second is closed, long before a server would drop it.
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: 5,
    idleTimeout: 1000,
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.requireTls,
    auth: smtp.auth,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return async (mail) => {
    try {
      const info = await transport.sendMail({ from: settings.from, to: settings.to, ...mail });
      const status = Number(info.response.slice(0, 3)) || undefined;
      // Sending again would duplicate the message for the accepted recipients, so a partial
      // rejection is a success that names who was missed.
      return {
        ok: true,
        ...(status !== undefined && { status }),
        ...(info.rejected.length > 0 && { error: `rejected recipients: ${info.rejected.join(', ')}` }),
      };
    } catch (err) {
      const e = err as NodemailerError;
      // ECONNREFUSED says more than the ESOCKET nodemailer wraps it in.
      const code = e.originalCode ?? e.code;
      return {
        ok: false,
        ...(e.responseCode !== undefined && { status: e.responseCode }),
        ...(code !== undefined && { code }),
        error: e.message,
        ...(e.permanent !== undefined && { permanent: e.permanent }),
      };
    }
  };
}

export function createEmailChannel(name: string, settings: EmailSettings): NotificationChannel {
  const send = createMailer(settings);
  return {
    name,
    kind: 'email',
    target: settings.to.join(', '),
    send: (message) =>
      send({ subject: headline(message), text: renderText(message), html: renderHtml(message) }),
  };
}
