import { readFileSync } from 'node:fs';
import type { ConnectionOptions, DetailedPeerCertificate } from 'node:tls';
import { z } from 'zod';

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

/** node:tls options for validated tlsSettings. */
export function tlsOptions(tls: z.output<typeof tlsSettings>): ConnectionOptions {
  return { rejectUnauthorized: !tls.insecure_skip_verify, ca: tls.ca_file, servername: tls.server_name };
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
