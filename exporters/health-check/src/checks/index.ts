import type { CheckKind } from './kind';
import { dnsCheck } from './dns';
import { httpCheck } from './http';
import { tcpCheck } from './tcp';

/** Every check kind by the name used as `kind:` in the config; adding a kind means adding it here. */
export const CHECK_KINDS: ReadonlyMap<string, CheckKind> = new Map(
  [httpCheck, tcpCheck, dnsCheck].map((k) => [k.kind, k]),
);
