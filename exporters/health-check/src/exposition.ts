/**
 * Prometheus text format 0.0.4, written directly as bytes. The exporter's series are all gauges whose
 * label sets the config fixes, so each sample line is encoded once and kept until its value changes; a
 * scrape then only concatenates buffers. prom-client's registry, which re-labels, re-hashes and re-encodes
 * every series on every scrape, took most of a 1,000-check scrape's time (see bench:health). The
 * service kit's /metrics serves it after the runtime's series (process, Node.js, build, reload).
 */

const NEWLINE = Buffer.from('\n');

const escapeText = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** `{a="x",b="y"}`, escaped; empty for no labels. */
export function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeText(v).replace(/"/g, '\\"')}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(value);
}

/** One gauge family: HELP and TYPE once, then the sample lines added since the last reset. */
export class GaugeFamily {
  private readonly header: Buffer;
  private lines: Buffer[] = [];

  constructor(
    readonly name: string,
    help: string,
  ) {
    this.header = Buffer.from(`# HELP ${name} ${escapeText(help)}\n# TYPE ${name} gauge\n`);
  }

  /** One encoded sample line, to push now or keep for later scrapes; `labels` as made by labelText. */
  line(labels: string, value: number): Buffer {
    return Buffer.from(`${this.name}${labels} ${formatValue(value)}\n`);
  }

  push(line: Buffer): void {
    this.lines.push(line);
  }

  add(labels: string, value: number): void {
    this.push(this.line(labels, value));
  }

  reset(): void {
    this.lines = [];
  }

  /** Appends the header and lines to `out`. */
  writeTo(out: Buffer[]): void {
    out.push(this.header);
    for (const line of this.lines) out.push(line);
  }
}

/** The exposition of families in order, laid out as prom-client does (a blank line between families). */
export function renderFamilies(families: readonly GaugeFamily[]): Buffer {
  const out: Buffer[] = [];
  families.forEach((family, i) => {
    if (i > 0) out.push(NEWLINE);
    family.writeTo(out);
  });
  return Buffer.concat(out);
}
