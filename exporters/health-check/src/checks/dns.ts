import { promises as dns } from 'node:dns';
import { z } from 'zod';
import { defineKind } from './kind';
import { normalizeHost, splitHostPort } from './target';

const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT'] as const;

const settings = z.strictObject({
  record_type: z.enum(RECORD_TYPES).default('A'),
  /** "ip:port" of the resolver to ask; the system's resolvers when unset. */
  server: z
    .string()
    .refine((s) => {
      try {
        splitHostPort(s);
        return true;
      } catch {
        return false;
      }
    }, 'must be ip:port')
    .optional(),
  /** Every value listed must be among the answers (MX as "<priority> <exchange>", TXT chunks joined). */
  expected_answers: z.array(z.string().min(1)).default([]),
});

const target = z.strictObject({ hostname: z.string().min(1) });

/** Answers in one textual form per record type, so that expected_answers can be compared as strings. */
function asText(answers: unknown[], type: (typeof RECORD_TYPES)[number]): string[] {
  if (type === 'MX')
    return (answers as { priority: number; exchange: string }[]).map((a) => `${a.priority} ${a.exchange}`);
  if (type === 'TXT') return (answers as string[][]).map((chunks) => chunks.join(''));
  return answers as string[];
}

export const dnsCheck = defineKind({
  kind: 'dns',
  settings,
  target,
  parseTarget(text) {
    if (!/^[a-zA-Z0-9._-]+$/.test(text)) throw new Error(`target must be a hostname, got "${text}"`);
    return { fields: { hostname: text }, host: normalizeHost(text) };
  },
  async run(spec, { signal }) {
    // One try: the check's own timeout bounds the whole run, and retries would hide a flaky resolver.
    const resolver = new dns.Resolver({ tries: 1 });
    if (spec.server) resolver.setServers([spec.server]);
    const cancel = () => resolver.cancel();
    signal.addEventListener('abort', cancel);
    try {
      const answers = asText(
        (await resolver.resolve(spec.hostname, spec.record_type)) as unknown[],
        spec.record_type,
      );
      const missing = spec.expected_answers.filter((want) => !answers.includes(want));
      if (answers.length === 0) return { success: false, message: 'no answers' };
      if (missing.length > 0) return { success: false, message: `missing answers: ${missing.join(', ')}` };
      return { success: true };
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  },
});
