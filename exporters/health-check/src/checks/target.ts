import { z } from 'zod';
import { portSchema } from '@vigil/service-kit';
import type { ParsedTarget } from './kind';

/**
 * Normalizes a host the way WHATWG URLs do (lower case, punycode, IPv4 forms such as 2130706433 or
 * 0x7f.1 to dotted quads, IPv6 in brackets), so the allowlist compares like with like.
 */
export function normalizeHost(host: string): string {
  let url: URL;
  try {
    url = new URL(`http://${host}/`);
  } catch {
    throw new Error(`invalid host "${host}"`);
  }
  // Anything that moved into userinfo, port or path was not a bare host ("a@b", "a/b", "a:1").
  if (url.username || url.password || url.port || url.pathname !== '/' || url.hostname === '') {
    throw new Error(`invalid host "${host}"`);
  }
  return url.hostname;
}

/** Splits "host:port" or "[v6]:port"; port is undefined when absent and allowPortless is set. */
export function splitHostPort(text: string, allowPortless = false): { host: string; port?: number } {
  const match = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d{1,5}))?$/.exec(text);
  const port = match?.[2] === undefined ? undefined : Number(match[2]);
  if (
    !match ||
    (port === undefined && !allowPortless) ||
    (port !== undefined && (port < 1 || port > 65535))
  ) {
    throw new Error(`expected host:port, got "${text}"`);
  }
  return { host: normalizeHost(match[1] as string), port };
}

const port = portSchema(1);

/**
 * Target fields and /probe target parsing for kinds that connect to host:port; with a default port (the
 * protocol's), a /probe target may leave the port out.
 */
export function hostPortTarget(defaultPort?: number) {
  return {
    target: z.strictObject({
      host: z.string().min(1),
      port: defaultPort === undefined ? port : port.default(defaultPort),
    }),
    parseTarget(text: string): ParsedTarget {
      const parsed = splitHostPort(text, defaultPort !== undefined);
      const targetPort = parsed.port ?? defaultPort;
      // Normalized hostnames keep IPv6 brackets; sockets want the bare address.
      const host = parsed.host.replace(/^\[(.*)\]$/, '$1');
      return { fields: { host, port: targetPort }, host: parsed.host, port: targetPort };
    },
  };
}
