import type { Response } from 'express';

type Cell = string | number | boolean | null | undefined;

/**
 * A cell as RFC 4180 writes it: quoted when it holds a comma, quote or line break. Text from alerts that a
 * spreadsheet would run as a formula (starting with = + - @, tab or carriage return) is prefixed with an
 * apostrophe, as OWASP advises against CSV injection: alert titles and labels come from outside.
 */
function cell(value: Cell): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows as CSV text with CRLF line ends. */
export function csvText(rows: Cell[][]): string {
  return rows.map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** Answers CSV text as a download named `filename`. */
export function sendCsv(res: Response, filename: string, rows: Cell[][]): void {
  res
    .status(200)
    .type('text/csv; charset=utf-8')
    .setHeader('Content-Disposition', `attachment; filename="${filename}"`)
    .send(csvText(rows));
}
