import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { z } from 'zod';
import { positiveDuration, regexSchema } from '@vigil/service-kit';
import { defineKind, type ProbeResult } from './kind';
import { earliestExpiry, tlsOptions, tlsSettings } from './tls';

/** Enough for any health endpoint; a larger body is cut here so a check cannot exhaust memory. */
const BODY_LIMIT_BYTES = 1024 * 1024;

const httpTlsSettings = tlsSettings.extend({
  /** The check fails when the earliest certificate in the chain expires sooner than this. */
  min_validity: positiveDuration.optional(),
});

const settings = z.strictObject({
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  body: z.string().optional(),
  /** Any 2xx when unset. Redirects are not followed, so a 3xx must be listed to count as success. */
  expected_status: z.array(z.number().int().min(100).max(599)).min(1).optional(),
  body_regex: regexSchema.optional(),
  tls: httpTlsSettings.prefault({}),
});

const target = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
});

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      if (size >= BODY_LIMIT_BYTES) return;
      chunks.push(chunk);
      size += chunk.length;
    });
    res.on('end', () => resolve(Buffer.concat(chunks).subarray(0, BODY_LIMIT_BYTES).toString('utf8')));
    res.on('error', reject);
  });
}

export const httpCheck = defineKind({
  kind: 'http',
  settings,
  target,
  parseTarget(text) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Error(`target must be an http:// or https:// URL, got "${text}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`target must be an http:// or https:// URL, got "${text}"`);
    }
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return { fields: { url: url.href }, host: url.hostname, port };
  },
  async run(spec, { signal }) {
    const url = new URL(spec.url);
    const options = {
      method: spec.method,
      headers: spec.headers,
      signal,
      // A fresh connection per run, so every run sees the certificate actually served.
      agent: false as const,
    };
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req =
        url.protocol === 'https:'
          ? https.request(url, { ...options, ...tlsOptions(spec.tls) })
          : http.request(url, options);
      req.on('response', resolve);
      req.on('error', reject);
      req.end(spec.body);
    });
    const certExpiry =
      url.protocol === 'https:'
        ? earliestExpiry((res.socket as TLSSocket).getPeerCertificate(true))
        : undefined;
    const body = await readBody(res);
    const status = res.statusCode ?? 0;
    const result: ProbeResult = { success: true, httpStatusCode: status, sslEarliestCertExpiry: certExpiry };
    const statusOk = spec.expected_status
      ? spec.expected_status.includes(status)
      : status >= 200 && status < 300;
    const problems: string[] = [];
    if (!statusOk) problems.push(`unexpected status ${status}`);
    if (spec.body_regex && !spec.body_regex.test(body))
      problems.push(`body does not match ${spec.body_regex}`);
    const minValidity = spec.tls.min_validity;
    if (
      certExpiry !== undefined &&
      minValidity !== undefined &&
      certExpiry * 1000 - Date.now() < minValidity
    ) {
      problems.push(`certificate expires ${new Date(certExpiry * 1000).toISOString()}`);
    }
    if (problems.length > 0) Object.assign(result, { success: false, message: problems.join('; ') });
    return result;
  },
});
