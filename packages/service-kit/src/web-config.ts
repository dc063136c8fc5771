import { readFileSync } from 'node:fs';
import { createHash, X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createSecureContext, type SecureContextOptions, type SecureVersion } from 'node:tls';
import bcrypt from 'bcryptjs';
import { z } from 'zod';
import { loadConfigFile } from './config-file';
import { writeError } from './http-error';
import { ConfigError, ProblemList, validateConfig } from './problems';

const TLS_VERSIONS: Record<string, SecureVersion> = {
  TLS10: 'TLSv1',
  TLS11: 'TLSv1.1',
  TLS12: 'TLSv1.2',
  TLS13: 'TLSv1.3',
};

const CLIENT_AUTH = [
  'NoClientCert',
  'RequestClientCert',
  'RequireAnyClientCert',
  'VerifyClientCertIfGiven',
  'RequireAndVerifyClientCert',
] as const;

const unsupported = (why: string) =>
  z
    .unknown()
    .refine(() => false, `not supported: ${why}`)
    .optional();

/** Prometheus exporter-toolkit's web configuration file, the keys Node can honour; others refused by name. */
export const webConfigSchema = z.strictObject({
  tls_server_config: z
    .strictObject({
      cert_file: z.string().min(1),
      key_file: z.string().min(1),
      client_auth_type: z.enum(CLIENT_AUTH).default('NoClientCert'),
      client_ca_file: z.string().min(1).optional(),
      min_version: z.enum(Object.keys(TLS_VERSIONS) as [string, ...string[]]).default('TLS12'),
      max_version: z.enum(Object.keys(TLS_VERSIONS) as [string, ...string[]]).default('TLS13'),
      cipher_suites: unsupported('Node.js chooses cipher suites; set min_version instead'),
      curve_preferences: unsupported('Node.js chooses curves'),
      prefer_server_cipher_suites: z.boolean().optional(),
      client_allowed_sans: unsupported('use a client CA that issues only allowed certificates'),
    })
    .refine(
      (t) =>
        !['RequireAndVerifyClientCert', 'VerifyClientCertIfGiven'].includes(t.client_auth_type) ||
        t.client_ca_file,
      { message: 'client_ca_file is needed to verify client certificates', path: ['client_ca_file'] },
    )
    .optional(),
  http_server_config: z
    .strictObject({
      // Served over HTTP/1.1 either way; accepted so that exporter-toolkit files load unchanged.
      http2: z.boolean().optional(),
      headers: z
        .partialRecord(
          z.enum([
            'Content-Security-Policy',
            'X-Frame-Options',
            'X-Content-Type-Options',
            'X-XSS-Protection',
            'Strict-Transport-Security',
          ]),
          z.string(),
        )
        .optional(),
    })
    .optional(),
  basic_auth_users: z
    .record(z.string().min(1), z.string().regex(/^\$2[abxy]?\$\d\d\$/, 'must be a bcrypt hash'))
    .optional(),
});

export interface WebConfig {
  /** For https.createServer and setSecureContext; undefined means plain HTTP. */
  tls?: SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean; requireCert: boolean };
  headers: Record<string, string>;
  users?: Map<string, string>;
}

/**
 * The server's certificate, key and client CA as files, each read and parsed now: a file that cannot be
 * read, a key in cert_file, a pair that does not match refuse the web config at --check-config, at start,
 * and at a reload (which then keeps the running one), rather than failing as the server takes them.
 */
function tlsFiles(t: { cert_file: string; key_file: string; client_ca_file?: string }) {
  const problems = new ProblemList();
  const at = (key: string) => ['tls_server_config', key];
  const read = (path: string, key: string) =>
    problems.attempt(() => {
      try {
        return readFileSync(path);
      } catch (err) {
        throw new ConfigError([{ path: at(key), message: `cannot read ${path}: ${(err as Error).message}` }]);
      }
    });
  const usable = (key: string, what: string, check: () => unknown) =>
    problems.attempt(() => {
      try {
        check();
      } catch (err) {
        throw new ConfigError([{ path: at(key), message: `${what}: ${(err as Error).message}` }]);
      }
    });
  const cert = read(t.cert_file, 'cert_file');
  const key = read(t.key_file, 'key_file');
  const ca = t.client_ca_file === undefined ? undefined : read(t.client_ca_file, 'client_ca_file');
  problems.throwIfAny();
  usable('cert_file', `not a PEM certificate (${t.cert_file})`, () => createSecureContext({ cert }));
  usable('key_file', `not a PEM private key (${t.key_file})`, () => createSecureContext({ key }));
  if (ca)
    usable('client_ca_file', `not a PEM certificate (${t.client_ca_file})`, () => new X509Certificate(ca));
  problems.throwIfAny();
  usable('key_file', `does not belong to the certificate ${t.cert_file}`, () =>
    createSecureContext({ cert, key }),
  );
  problems.throwIfAny();
  return { cert: cert as Buffer, key: key as Buffer, ca };
}

/** Loads a web configuration file; certificates and keys are read and checked now (see tlsFiles). */
export function loadWebConfig(path: string): WebConfig {
  return loadConfigFile(path, (doc) => {
    const raw = validateConfig(webConfigSchema, doc);
    const t = raw.tls_server_config;
    return {
      tls: t && {
        ...tlsFiles(t),
        minVersion: TLS_VERSIONS[t.min_version],
        maxVersion: TLS_VERSIONS[t.max_version],
        requestCert: t.client_auth_type !== 'NoClientCert',
        rejectUnauthorized: ['RequireAndVerifyClientCert', 'VerifyClientCertIfGiven'].includes(
          t.client_auth_type,
        ),
        // Go's RequireAnyClientCert and RequireAndVerifyClientCert refuse a client without a certificate.
        requireCert: t.client_auth_type.startsWith('Require'),
      },
      headers: { ...(raw.http_server_config?.headers ?? {}) } as Record<string, string>,
      users: raw.basic_auth_users && new Map(Object.entries(raw.basic_auth_users)),
    };
  });
}

// Compared when the user is unknown, so that a wrong name costs as long as a wrong password (cost 10,
// as exporter-toolkit's docs suggest); a constant, so that loading this module costs no bcrypt round.
const DUMMY_HASH = '$2b$10$rtX6gcQSiTo1mxZ0DDOHGuLDq49OvFOVyqQbjcodE/dW6V/yN1isS';

/**
 * Checks a request against the web config's users and client-certificate rule; answers 401 itself and
 * returns false when refused. bcrypt is slow by design, so a successful check is remembered by a hash of
 * user and password (as exporter-toolkit does) and not paid again on every scrape.
 */
export function webGuard(current: () => WebConfig) {
  const verified = new Set<string>();
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const config = current();
    for (const [name, value] of Object.entries(config.headers)) res.setHeader(name, value);
    if (config.tls?.requireCert) {
      const socket = req.socket as { getPeerCertificate?: () => { raw?: Buffer } };
      if (!socket.getPeerCertificate?.()?.raw) {
        writeError(res, 401, 'unauthorized', 'a client certificate is required');
        return false;
      }
    }
    if (!config.users) return true;
    const match = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const decoded = match ? Buffer.from(match[1] as string, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const [user, password] = colon < 0 ? ['', ''] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
    const hash = config.users.get(user);
    const key = createHash('sha256')
      .update(`${user}\0${password}\0${hash ?? ''}`)
      .digest('hex');
    let ok = verified.has(key);
    if (!ok && colon >= 0) {
      ok = (await bcrypt.compare(password, hash ?? DUMMY_HASH)) && hash !== undefined;
      if (ok) verified.add(key);
    }
    if (ok) return true;
    res.setHeader('WWW-Authenticate', 'Basic realm="vigil"');
    writeError(res, 401, 'unauthorized', 'basic authentication required');
    return false;
  };
}
