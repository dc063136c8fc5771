import type { CheckKind } from './kind';
import { dnsCheck } from './dns';
import { httpCheck } from './http';
import { postgresCheck } from './postgres';
import { redisCheck } from './redis';
import { smtpCheck } from './smtp';
import { tcpCheck } from './tcp';

/** Every check kind by the name used as `kind:` in the config; adding a kind means adding it here. */
export const CHECK_KINDS: ReadonlyMap<string, CheckKind> = new Map(
  [httpCheck, tcpCheck, dnsCheck, postgresCheck, redisCheck, smtpCheck].map((k) => [k.kind, k]),
);
