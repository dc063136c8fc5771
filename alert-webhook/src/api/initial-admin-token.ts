import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { makeDirectory } from '@vigil/service-kit';
import { sha256, type ApiTokenEntry, type Config } from '../config';

/**
 * The one-time admin token (as Jenkins' initialAdminPassword): while `api.tokens` is empty, the receiver
 * generates a token on its first start, writes it to a file only its user can read, and accepts it as an
 * admin token for as long as the file exists. Once `api.tokens` is configured the file is ignored.
 */

export const INITIAL_ADMIN_NAME = 'initial-admin';
export const INITIAL_ADMIN_FILE_NAME = 'initial-admin-token';

/** Shorter contents than this are not a token we wrote; refusing them keeps a stray empty file harmless. */
const MIN_TOKEN_CHARS = 32;

/**
 * Where the token lives: `api.initial_admin_token_file`, else beside the SQLite database, else (PostgreSQL,
 * or SQLite in memory) `data/initial-admin-token` under the working directory. Absolute, for the log line.
 */
export function initialAdminTokenFile(config: Config): string {
  const configured = config.api.initial_admin_token_file;
  if (configured !== undefined) return resolve(configured);
  const sqlite = config.storage.sqlite;
  const dir = sqlite && sqlite.path !== ':memory:' ? dirname(sqlite.path) : 'data';
  return resolve(dir, INITIAL_ADMIN_FILE_NAME);
}

interface Accepted {
  file: string;
  entry: ApiTokenEntry;
}

/** The token accepted while api.tokens is empty; set at start (main), read by every API route's check. */
let accepted: Accepted | undefined;

/**
 * The tokens an API route accepts: the configured ones; only when there are none, the initial admin token,
 * and only while its file still exists (deleting it revokes the token at once).
 */
export function effectiveTokens(tokens: ApiTokenEntry[]): ApiTokenEntry[] {
  if (tokens.length > 0 || accepted === undefined) return tokens;
  return existsSync(accepted.file) ? [accepted.entry] : [];
}

function curlHint(config: Config, file: string): string {
  const { public_url, listen_address, port } = config.server;
  const host = ['0.0.0.0', '::', ''].includes(listen_address) ? '127.0.0.1' : listen_address;
  const base = public_url?.replace(/\/+$/, '') ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return `curl -H "Authorization: Bearer $(cat ${file})" ${base}/api/v1/incidents`;
}

/** Reads the token from its file, creating the file with a new one if there is none. */
function readOrCreate(file: string): { token: string; created: boolean } {
  try {
    return { token: readFileSync(file, 'utf8').trim(), created: false };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = `vigil_${randomBytes(32).toString('base64url')}`;
  makeDirectory(dirname(file), 0o700);
  try {
    // wx: never overwrite; a replica sharing the directory that got there first wins, and we read its token.
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return { token, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { token: readFileSync(file, 'utf8').trim(), created: false };
  }
}

/**
 * At start and after each reload: with no `api.tokens`, makes sure the initial admin token exists and is
 * accepted, and says where it is (once; never the token itself). With `api.tokens`, the token is not
 * accepted; if its file is still there, says that it is ignored.
 */
export function setUpInitialAdminToken(config: Config, log: Logger): void {
  const file = initialAdminTokenFile(config);
  if (config.api.tokens.length > 0) {
    if (existsSync(file)) {
      log.warn(
        { file },
        `api.tokens is configured: the initial admin token in ${file} is ignored; delete the file`,
      );
    }
    return;
  }
  if (accepted?.file === file && existsSync(file)) return; // a reload that changed nothing here
  accepted = undefined;
  let token: string;
  let created: boolean;
  try {
    ({ token, created } = readOrCreate(file));
  } catch (err) {
    log.error(
      { file, err: { code: (err as NodeJS.ErrnoException).code, message: (err as Error).message } },
      `no API tokens configured, and the initial admin token file ${file} cannot be read or written ` +
        `(api.initial_admin_token_file): the REST API refuses every request until api.tokens is configured`,
    );
    return;
  }
  if (token.length < MIN_TOKEN_CHARS) {
    log.error(
      { file },
      `no API tokens configured, and the initial admin token file ${file} does not hold a token: ` +
        'delete it and restart to have a new one generated, or configure api.tokens',
    );
    return;
  }
  accepted = { file, entry: { name: INITIAL_ADMIN_NAME, role: 'admin', hash: sha256(token) } };
  if (!created && (statSync(file).mode & 0o077) !== 0) {
    log.warn({ file }, `the initial admin token file ${file} is readable by other users: chmod 600 it`);
  }
  log.warn(
    { file, generated: created },
    `no API tokens configured: ${created ? 'generated a one-time admin token in' : 'the initial admin token is in'} ` +
      `${file}; use it with: ${curlHint(config, file)}. ` +
      'Configure api.tokens for good (the file is then ignored); deleting the file revokes the token.',
  );
}
