import { splitHostPort } from './checks/target';

/**
 * One allowed /probe destination: a host (or every subdomain of a domain), on one port or any; a
 * discovered target's entry is for its discovering module only (a name that a dns module resolves opens
 * no port of that host to the other modules).
 */
export interface AllowEntry {
  host: string;
  subdomains: boolean;
  port?: number;
  module?: string;
}

/** Parses "host", "host:port", "[::1]:port", "*.example.com" or "*.example.com:443"; throws when malformed. */
export function parseAllowEntry(text: string): AllowEntry {
  const subdomains = text.startsWith('*.');
  const { host, port } = splitHostPort(subdomains ? text.slice(2) : text, true);
  return { host, subdomains, port };
}

/** Whether a normalized host (and port, when the target has one) is on the list for a module. */
export function isAllowed(
  entries: readonly AllowEntry[],
  host: string,
  port: number | undefined,
  module: string,
): boolean {
  return entries.some(
    (e) =>
      (e.subdomains ? host.endsWith(`.${e.host}`) : host === e.host) &&
      (e.port === undefined || e.port === port) &&
      (e.module === undefined || e.module === module),
  );
}
