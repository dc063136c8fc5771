import { locationUtil, type InterpolateFunction } from '@grafana/data';
import type { ServiceHealth } from './services';

export interface DrilldownLink {
  title: string;
  href: string;
  target?: string;
}

/**
 * The drill-down links of a service: the panel's URL option with ${service} set (and the dashboard's
 * variables and ${__url_time_range} interpolated as Grafana does), then the data links configured on
 * the score field.
 */
export function drilldownLinks(
  health: ServiceHealth,
  urlTemplate: string,
  replaceVariables: InterpolateFunction,
): DrilldownLink[] {
  const links: DrilldownLink[] = [];
  if (urlTemplate.trim()) {
    const service = { text: health.service, value: encodeURIComponent(health.service) };
    // Under Grafana's sub-path, if it has one, as Grafana's own data links are.
    const href = locationUtil.assureBaseUrl(replaceVariables(urlTemplate, { service }));
    links.push({ title: `Open ${health.service}`, href });
  }
  const source = health.linkSource;
  for (const link of source?.field.getLinks?.({ valueRowIndex: source.rowIndex }) ?? [])
    links.push({ title: link.title, href: link.href, ...(link.target && { target: link.target }) });
  return links;
}
