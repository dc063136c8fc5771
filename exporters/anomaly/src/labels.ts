/** Labels this exporter adds: a source label of the same name becomes exported_<name>, as Prometheus does. */
const OWN_LABELS = new Set(['query', 'horizon', 'model']);

/**
 * A valid label name, made as Prometheus's OTLP translation makes one: every character outside [a-zA-Z0-9_]
 * becomes `_`, and a leading digit gets a `_` before it.
 */
function validName(name: string): string {
  const valid = name.replace(/[^a-zA-Z0-9_]/g, '_');
  return /^[0-9]/.test(valid) ? `_${valid}` : valid;
}

/**
 * The labels a source series is exported with, besides `query`. Prometheus 3 may return names that are not
 * valid in the text format (`service.name`, from OTLP): written as they are, they would make the whole page
 * unparseable, anomaly_up included. Should two names become one (`service.name` and `service_name`), the
 * first in the source's order is kept (Prometheus sorts label names). A source label named like one this
 * exporter adds becomes exported_<name> (exported_exported_<name> should the source have that one too).
 */
export function exportedLabels(source: Record<string, string>): Record<string, string> {
  const names = new Set(Object.keys(source).map(validName));
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) {
    if (k === '__name__') continue;
    let name = validName(k);
    if (OWN_LABELS.has(name))
      do name = `exported_${name}`;
      while (names.has(name));
    if (!Object.hasOwn(labels, name)) labels[name] = v;
  }
  return labels;
}
