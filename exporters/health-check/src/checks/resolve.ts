import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { z } from 'zod';
import { NO_SERIES } from '../series';
import type { CheckContext } from './kind';

/** Which address family a kind connects over, as blackbox's preferred_ip_protocol and ip_protocol_fallback. */
export const ipProtocolSettings = {
  /** Connect over this family when the name has addresses of it. */
  preferred_ip_protocol: z.enum(['ip4', 'ip6']).default('ip6'),
  /** Use the other family when the preferred one has no address; else the probe fails. */
  ip_protocol_fallback: z.boolean().default(true),
};

export interface IpProtocol {
  preferred_ip_protocol: 'ip4' | 'ip6';
  ip_protocol_fallback: boolean;
}

/** A resolved destination: the address to connect to and how long finding it took. */
export interface Resolved {
  address: string;
  family: 4 | 6;
  lookupSeconds: number;
}

/** FNV-1a (32 bits) of the address's bytes (4 for IPv4, 16 for IPv6), as blackbox's probe_ip_addr_hash. */
export function ipHash(address: string): number {
  let hash = 0x811c9dc5;
  for (const byte of ipBytes(address)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function ipBytes(address: string): number[] {
  if (isIP(address) === 4) return address.split('.').map(Number);
  const [head = '', tail = ''] = address.replace(/%.*$/, '').split('::') as [string, string?];
  const words = (part: string): number[] => {
    if (part === '') return [];
    const groups = part.split(':');
    const last = groups[groups.length - 1] as string;
    if (last.includes('.')) {
      const v4 = last.split('.').map(Number) as [number, number, number, number];
      groups.splice(-1, 1, ((v4[0] << 8) | v4[1]).toString(16), ((v4[2] << 8) | v4[3]).toString(16));
    }
    return groups.map((g) => parseInt(g, 16));
  };
  const left = words(head);
  const right = address.includes('::') ? words(tail) : [];
  const all = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right] as number[];
  return all.flatMap((w) => [w >> 8, w & 0xff]);
}

const HELP = {
  lookup: 'Returns the time taken for probe dns lookup in seconds',
  protocol: 'Specifies whether probe ip protocol is IP4 or IP6',
  hash: "Specifies the hash of IP address. It's useful to detect if the IP address changes.",
};

/**
 * Finds the address to probe, as blackbox's chooseProtocol: the preferred family first, the other one if
 * allowed; sets probe_ip_protocol, probe_ip_addr_hash and probe_dns_lookup_time_seconds. Throws when
 * there is no usable address (the series then say 0, as blackbox's do).
 */
export async function resolveTarget(host: string, proto: IpProtocol, ctx: CheckContext): Promise<Resolved> {
  const { series, log, signal } = ctx;
  const literal = isIP(host.replace(/^\[(.*)\]$/, '$1'));
  // A configured check keeps no series: an address needs no lookup.
  if (series === NO_SERIES && literal) {
    return { address: host.replace(/^\[(.*)\]$/, '$1'), family: literal as 4 | 6, lookupSeconds: 0 };
  }
  series.set('probe_ip_protocol', HELP.protocol, 0);
  series.set('probe_dns_lookup_time_seconds', HELP.lookup, 0);
  series.set('probe_ip_addr_hash', HELP.hash, 0);
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const preferred = proto.preferred_ip_protocol === 'ip4' ? 4 : 6;
  log('Resolving target address', { target: bare, ip_protocol: proto.preferred_ip_protocol });
  const started = performance.now();
  const done = () => {
    const seconds = (performance.now() - started) / 1000;
    series.set('probe_dns_lookup_time_seconds', HELP.lookup, seconds);
    return seconds;
  };
  let chosen: { address: string; family: 4 | 6 } | undefined;
  try {
    const candidates: { address: string; family: number }[] = literal
      ? [{ address: bare, family: literal }]
      : await abortable(
          dns.lookup(bare, { all: true, verbatim: true, family: proto.ip_protocol_fallback ? 0 : preferred }),
          signal,
        );
    const first = candidates.find((c) => c.family === preferred);
    const other = [...candidates].reverse().find((c) => c.family !== preferred);
    const pick = first ?? (proto.ip_protocol_fallback ? other : undefined);
    if (!pick)
      throw new Error(candidates.length ? 'unable to find ip; no fallback' : `no address for ${bare}`);
    chosen = { address: pick.address, family: pick.family as 4 | 6 };
  } catch (err) {
    done();
    log('Resolution with IP protocol failed', { target: bare, err: (err as Error).message }, 'error');
    throw err;
  }
  const lookupSeconds = done();
  log('Resolved target address', { target: bare, ip: chosen.address });
  series.set('probe_ip_protocol', HELP.protocol, chosen.family);
  series.set('probe_ip_addr_hash', HELP.hash, ipHash(chosen.address));
  return { ...chosen, lookupSeconds };
}

/** A promise that rejects when the signal fires (a lookup cannot be cancelled, only no longer awaited). */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('timeout'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('timeout'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e as Error);
      },
    );
  });
}
