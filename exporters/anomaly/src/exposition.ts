/**
 * Text exposition for gauge families whose label names vary per series (each query's series bring their
 * own labels), which prom-client's fixed label sets cannot express.
 */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

const escapeValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function renderGauge(name: string, help: string, samples: Sample[]): string {
  const lines = [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} gauge`];
  for (const { labels, value } of samples) {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeValue(v)}"`);
    lines.push(`${name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}`);
  }
  return `${lines.join('\n')}\n`;
}
