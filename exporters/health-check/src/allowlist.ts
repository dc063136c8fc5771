import { splitHostPort } from './checks/target';

/** One allowed /probe destination: a host (or every subdomain of a domain), on one port or any. */
export interface AllowEntry {
  host: string;
  subdomains: boolean;
  port?: number;
}

/** Parses "host", "host:port", "[::1]:port", "*.example.com" or "*.example.com:443"; throws when malformed. */
export function parseAllowEntry(text: string): AllowEntry {
  const subdomains = text.startsWith('*.');
  const { host, port } = splitHostPort(subdomains ? text.slice(2) : text, true);
  return { host, subdomains, port };
}

/** Whether a normalized host (and port, when the target has one) is on the list. */
export function isAllowed(entries: readonly AllowEntry[], host: string, port: number | undefined): boolean {
  return entries.some(
    (e) =>
      (e.subdomains ? host.endsWith(`.${e.host}`) : host === e.host) &&
      (e.port === undefined || e.port === port),
  );
}
