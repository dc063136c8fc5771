import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions, DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { z } from 'zod';
import { tlsServerName } from '@vigil/service-kit';
import type { SeriesSet } from '../series';

/** How a check verifies a TLS server; shared by every kind that speaks TLS. */
export const tlsSettings = z.strictObject({
  insecure_skip_verify: z.boolean().default(false),
  ca_file: z
    .string()
    .min(1)
    .transform((path, ctx) => {
      try {
        return readFileSync(path, 'utf8');
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `cannot read ${path}: ${(err as Error).message}` });
        return z.NEVER;
      }
    })
    .optional(),
  server_name: z.string().min(1).optional(),
});

/** node:tls options for validated tlsSettings, the certificate checked against `serverName`. */
export function tlsOptions(
  tls: z.output<typeof tlsSettings>,
  serverName = tls.server_name,
): ConnectionOptions {
  return { rejectUnauthorized: !tls.insecure_skip_verify, ca: tls.ca_file, ...tlsServerName(serverName) };
}

/** The earliest notAfter along the presented chain (leaf up to the last certificate sent or the root). */
export function earliestExpiry(leaf: DetailedPeerCertificate): number | undefined {
  let earliest: number | undefined;
  const seen = new Set<DetailedPeerCertificate>();
  for (let cert = leaf; cert?.valid_to && !seen.has(cert); cert = cert.issuerCertificate) {
    seen.add(cert);
    const expiry = Date.parse(cert.valid_to) / 1000;
    if (earliest === undefined || expiry < earliest) earliest = expiry;
  }
  return earliest;
}

/** What Go's time.Time{}.Unix() is: blackbox's last-chain expiry when no chain was verified. */
const GO_ZERO_TIME_UNIX = -62135596800;

const GO_NAME_ORDER = ['SERIALNUMBER', 'CN', 'OU', 'O', 'POSTALCODE', 'STREET', 'L', 'ST', 'C'];
const NODE_TO_GO: Record<string, string> = {
  serialNumber: 'SERIALNUMBER',
  street: 'STREET',
  postalCode: 'POSTALCODE',
};

/** Escapes an attribute value as Go's pkix (RFC 2253) does. */
function escapeRdn(value: string): string {
  return [...value]
    .map((c, i) => {
      if (',+"\\<>;'.includes(c)) return `\\${c}`;
      if ((i === 0 && (c === ' ' || c === '#')) || (i === value.length - 1 && c === ' ')) return `\\${c}`;
      return c;
    })
    .join('');
}

/**
 * A distinguished name as Go's pkix.Name.String() writes it (blackbox's subject and issuer labels): the
 * standard attributes most specific first (CN before O before C), values of one type joined by "+".
 */
export function goDistinguishedName(nodeText: string): string {
  const byType = new Map<string, string[]>();
  for (const line of nodeText.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const type = NODE_TO_GO[key] ?? key;
    byType.set(type, [...(byType.get(type) ?? []), line.slice(eq + 1)]);
  }
  const standard = GO_NAME_ORDER.filter((t) => byType.has(t)).map((t) =>
    (byType.get(t) as string[]).map((v) => `${t}=${escapeRdn(v)}`).join('+'),
  );
  const others = [...byType]
    .filter(([t]) => !GO_NAME_ORDER.includes(t))
    .flatMap(([t, values]) => values.map((v) => `${t}=${escapeRdn(v)}`));
  return [...standard, ...others].join(',');
}

const TLS_VERSIONS: Record<string, string> = {
  TLSv1: 'TLS 1.0',
  'TLSv1.1': 'TLS 1.1',
  'TLSv1.2': 'TLS 1.2',
  'TLSv1.3': 'TLS 1.3',
};

/**
 * blackbox's TLS series for an established connection: probe_ssl_earliest_cert_expiry,
 * probe_ssl_last_chain_expiry_timestamp_seconds (of the verified chain; Go's zero time when none was
 * verified, as with insecure_skip_verify), probe_tls_version_info{version} and probe_ssl_last_chain_info
 * of the leaf certificate. Returns the earliest expiry.
 */
export function tlsSeries(socket: TLSSocket, series: SeriesSet): number | undefined {
  const leaf = socket.getPeerCertificate(true);
  const earliest = earliestExpiry(leaf);
  if (earliest !== undefined) {
    series.set('probe_ssl_earliest_cert_expiry', 'Returns last SSL chain expiry in unixtime', earliest);
  }
  series.set(
    'probe_ssl_last_chain_expiry_timestamp_seconds',
    'Returns last SSL chain expiry in timestamp',
    socket.authorized ? (earliest ?? GO_ZERO_TIME_UNIX) : GO_ZERO_TIME_UNIX,
  );
  const protocol = socket.getProtocol();
  series.set('probe_tls_version_info', 'Returns the TLS version used or NaN when unknown', 1, {
    version: (protocol && TLS_VERSIONS[protocol]) ?? 'unknown',
  });
  if (leaf?.raw) {
    const cert = new X509Certificate(leaf.raw);
    const dnsNames = (cert.subjectAltName ?? '')
      .split(', ')
      .filter((entry) => entry.startsWith('DNS:'))
      .map((entry) => entry.slice(4));
    series.set('probe_ssl_last_chain_info', 'Contains SSL leaf certificate information', 1, {
      fingerprint_sha256: createHash('sha256').update(leaf.raw).digest('hex'),
      subject: goDistinguishedName(cert.subject),
      issuer: goDistinguishedName(cert.issuer),
      subjectalternative: dnsNames.join(','),
    });
  }
  return earliest;
}
