import { escapeHtml, type Mail } from '../notify/email/email';
import type { Change } from '@vigil/api-contract';
import type { SlaReport } from './sla';

/** "1h 05m", "12m 30s", "45s"; "-" when there was nothing to average. */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null) return '-';
  const s = Math.round(seconds);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

const percent = (ratio: number | null) => (ratio === null ? '-' : `${(ratio * 100).toFixed(1)}%`);

/** A change with its sign: "+2", "-1m 05s"; "-" when either period had nothing. */
function signed(delta: number | null, format: (value: number) => string): string {
  if (delta === null) return '-';
  return delta < 0 ? `-${format(-delta)}` : `+${format(delta)}`;
}

function sloNote(slo: SlaReport['slo']): string | undefined {
  if (slo.status === 'unavailable')
    return `Prometheus could not be queried: ${slo.error ?? 'no reason given'}`;
  if (slo.status === 'not_configured') return 'Not configured (reports.prometheus).';
  return undefined;
}

/** "2026-11-30 08:00" in the zone: the Swedish locale writes dates and times the ISO way. */
function localTime(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'short' }).format(
    new Date(iso),
  );
}

interface Table {
  title: string;
  /** A line under the title: where the figures come from, or why there are none. */
  note?: string;
  head: string[];
  rows: string[][];
}

function tables(report: SlaReport): Table[] {
  const counts = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort(([a, m], [b, n]) => n - m || a.localeCompare(b))
      .map(([key, n]) => [key, String(n)]);
  return [
    {
      title: 'Response times',
      head: ['', 'mean'],
      rows: [
        ['Time to acknowledge (MTTA)', formatSeconds(report.mtta_seconds)],
        ['Time to resolve (MTTR)', formatSeconds(report.mttr_seconds)],
      ],
    },
    {
      title: 'SLA attainment',
      head: ['severity', 'acknowledge within', 'incidents', 'met', 'attainment'],
      rows: report.sla.map((s) => [
        s.severity,
        formatSeconds(s.ack_within_seconds),
        String(s.incidents),
        String(s.met),
        percent(s.attainment),
      ]),
    },
    {
      title: 'SLO error budget consumed',
      note: sloNote(report.slo),
      head: ['service', 'slo', 'objective', 'error ratio', 'budget consumed'],
      rows: report.slo.objectives.map((o) => [
        o.service,
        o.slo,
        `${(o.objective * 100).toFixed(2).replace(/\.?0+$/, '')}%`,
        o.error_ratio === null ? '-' : `${(o.error_ratio * 100).toFixed(3)}%`,
        percent(o.budget_consumed),
      ]),
    },
    comparisonTable(report),
    {
      title: 'Incidents by severity',
      head: ['severity', 'incidents'],
      rows: counts(report.incidents.by_severity),
    },
    {
      title: 'Incidents by service',
      head: ['service', 'incidents'],
      rows: counts(report.incidents.by_service),
    },
    {
      title: 'Noisiest alerts',
      head: ['alert', 'service', 'incidents', 'occurrences'],
      rows: report.noisiest_alerts.map((a) => [
        a.alertname,
        a.service,
        String(a.incidents),
        String(a.occurrences),
      ]),
    },
    {
      title: 'By day',
      head: ['date', 'opened', 'MTTA', 'MTTR'],
      rows: report.by_day.map((d) => [
        d.date,
        String(d.opened),
        formatSeconds(d.mtta_seconds),
        formatSeconds(d.mttr_seconds),
      ]),
    },
  ];
}

/** Each figure beside the previous period's. */
function comparisonTable(report: SlaReport): Table {
  const c = report.comparison;
  const count = (n: number) => String(n);
  const row = (label: string, x: Change, format: (value: number) => string, formatDelta = format) => [
    label,
    x.current === null ? '-' : format(x.current),
    x.previous === null ? '-' : format(x.previous),
    signed(x.delta, formatDelta),
  ];
  const points = (ratio: number) => `${(ratio * 100).toFixed(1)} pts`;
  const seconds = (s: number) => formatSeconds(s);
  return {
    title: 'Compared with the previous period',
    note: `Previous period: ${c.previous_from} to ${c.previous_to}`,
    head: ['', 'this period', 'previous', 'change'],
    rows: [
      row('Incidents', c.incidents, count),
      row('MTTA', c.mtta_seconds, seconds),
      row('MTTR', c.mttr_seconds, seconds),
      ...c.sla.map((s) => row(`SLA ${s.severity}`, s.attainment, (r) => percent(r), points)),
      ...c.slo.map((o) => row(`Budget ${o.service}/${o.slo}`, o.budget_consumed, (r) => percent(r), points)),
    ],
  };
}

function textTable({ title, note, head, rows }: Table): string {
  if (note !== undefined) title = `${title}\n  ${note}`;
  if (rows.length === 0) return `${title}\n  (none)`;
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `  ${cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ')}`.trimEnd();
  return [title, line(head), ...rows.map(line)].join('\n');
}

function htmlTable({ title, note, head, rows }: Table): string {
  const cells = (tag: string, values: string[]) =>
    values.map((v) => `<${tag} align="left" style="padding:2px 10px">${escapeHtml(v)}</${tag}>`).join('');
  const body =
    rows.length === 0
      ? '<p>(none)</p>'
      : `<table style="border-collapse:collapse"><tr>${cells('th', head)}</tr>${rows
          .map((r) => `<tr>${cells('td', r)}</tr>`)
          .join('')}</table>`;
  const noted = note === undefined ? '' : `<p>${escapeHtml(note)}</p>`;
  return `<h3>${escapeHtml(title)}</h3>${noted}${body}`;
}

export interface ReportHeading {
  /** The schedule's name. */
  name: string;
  team?: string;
  /** The zone the period is shown in. */
  timeZone: string;
}

/** The report email: a plain-text part and an HTML part with the same tables. */
export function renderReport(report: SlaReport, heading: ReportHeading): Mail {
  const { total } = report.incidents;
  const range = `${localTime(report.from, heading.timeZone)} to ${localTime(report.to, heading.timeZone)}`;
  const count = `${total} incident${total === 1 ? '' : 's'}`;
  const summary = `${count}, ${heading.team === undefined ? 'all teams' : `team ${heading.team}`}`;
  const period = `${range} (${heading.timeZone})`;
  const all = tables(report);
  const text = [`Vigil report ${heading.name}`, period, summary, ...all.map(textTable)].join('\n\n');
  const html = [
    '<!doctype html><html><body style="font-family:sans-serif">',
    `<h2>Vigil report ${escapeHtml(heading.name)}</h2>`,
    `<p>${escapeHtml(period)}<br>${escapeHtml(summary)}</p>`,
    ...all.map(htmlTable),
    '</body></html>',
  ].join('\n');
  return { subject: `Vigil report ${heading.name}: ${count}, ${range}`, text: `${text}\n`, html };
}
